"""Revenue recognition: what each contract billing line has earned by a date, the monthly revenue run that
posts it, and the contract assets, liabilities, backlog and loss provisions that follow."""
