"""The SMSC simulator (``vitosms smsc``): the mock gateway behind a server of SMPP 3.4."""
