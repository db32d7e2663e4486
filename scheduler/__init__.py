"""The reminder scheduler: `koers scheduler` runs `tracking.mail.send.run_once` every minute
(`loop`). What is due, the outbox, sending and the transports are `tracking.mail`."""
