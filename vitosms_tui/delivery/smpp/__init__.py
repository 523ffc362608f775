"""SMPP 3.4: the client session to a provider (link, receipts) and the SMSC simulator."""
