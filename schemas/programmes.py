"""Funding programmes; organisations and events name one so that figures can be reported per programme."""

PROGRAMMES: tuple[str, ...] = ("VIPs", "WIR", "INSIST", "Vielfalt", "Integrationsbuero", "other")
