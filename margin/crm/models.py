"""Clients: who the firm bills."""

from __future__ import annotations

from django.db import models


class Client(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    billing_email = models.EmailField(blank=True)
    billing_address = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="client_name_unique_in_org")]

    def __str__(self) -> str:
        return self.name
