"""vitosms: patient messaging (SMS and e-mail) for the practice front desk."""
