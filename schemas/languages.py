"""Language codes for translated texts and for the languages people speak or ask an interpreter for."""

#: ISO 639 codes: German first, then the languages common among participants. "prs" is Dari, kept apart
#: from Farsi ("fa") because interpreter requests must name the one that is needed.
LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "fa", "prs", "tr", "uk", "ru", "ku", "ti", "so", "ps", "fr")
