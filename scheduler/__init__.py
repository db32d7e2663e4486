"""The reminder scheduler: the sending loop and the mail transports. What is due is decided in
`tracking.reminders`; the outbox is filled by `tracking.mailing`."""
