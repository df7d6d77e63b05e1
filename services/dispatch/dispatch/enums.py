"""Case vocabularies shared with intake through the event contract (CaseView)."""

from enum import StrEnum


class Category(StrEnum):
    consult = "consult"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"
    praise = "praise"
    other = "other"


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"
    utilities = "utilities"
