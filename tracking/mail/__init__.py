"""The emails Koers sends, step by step; each module is one step.

    due         which emails are due now (pure: plain data and an explicit `now`)
    compose     what an email says, in the recipient's language (pure)
    outbox      putting what is due into the outbox, one short write (the scheduler's use case)
    send        claiming one email at a time, handing it to a transport, recording the result
    transports  where an email goes: a mail server over SMTP, or `.eml` files in a folder

The outbox table itself is `tracking.store.outbox`; what `due` reads is `tracking.store.due`. Every
email is one `tracking.models.Email` record from composing to sending. `koers remind` runs `send.run_once`;
`koers scheduler` runs it every minute (`scheduler.loop`).
"""
