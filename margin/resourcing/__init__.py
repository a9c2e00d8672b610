"""Resourcing: who is free to work, what they can do, who is booked where, and how busy they are.

It sits above the plan (``projects``) and the prices (``rates``, ``contracts``) and below time capture
(``timesheets``): capacity (:mod:`margin.resourcing.capacity`) is the one place a person's working minutes per
day are computed, and time capture, approvals, reminders, leveling, bookings and utilisation all read it.
"""
