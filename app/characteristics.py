"""The code lists of an equality profile, and which answers count as under-represented.

Codes follow the NHS Data Model and Dictionary where it has them (shared reference
nhs-workforce-data.md section 4.5); every field also takes `prefer_not_to_say`. Pure data:
no database, web or validation framework here beyond `typing`. Outside app/equality because a
collaborative's lead rule names characteristics too, and collaboratives sit below equality.
"""

from enum import StrEnum
from typing import Literal, get_args


class Characteristic(StrEnum):
    """The protected characteristics a profile records, one field each."""

    ETHNIC_CATEGORY = "ethnic_category"
    SEX = "sex"
    GENDER_IDENTITY = "gender_identity"
    SEXUAL_ORIENTATION = "sexual_orientation"
    RELIGION_OR_BELIEF = "religion_or_belief"
    DISABILITY = "disability"
    AGE_BAND = "age_band"
    MARRIAGE_CIVIL_PARTNERSHIP = "marriage_civil_partnership"
    PREGNANCY_MATERNITY = "pregnancy_maternity"


PREFER_NOT_TO_SAY = "prefer_not_to_say"
# The category of people with no profile, or no answer in the field, in equality summaries.
NOT_DECLARED = "not_declared"

# ETHNIC CATEGORY (2001 Census 16+1): A-C White; D-G Mixed; H, J-L Asian or Asian British;
# M, N, P Black or Black British; R, S Other ethnic groups; Z not stated; 99 not known.
# There are no codes I, O or Q.
EthnicCategory = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z", "99",
    "prefer_not_to_say",
]  # fmt: skip
# PERSON STATED GENDER CODE: 1 male; 2 female; 9 indeterminate; X not known.
Sex = Literal["1", "2", "9", "X", "prefer_not_to_say"]
# GENDER IDENTITY CODE: 1 male (incl. trans man); 2 female (incl. trans woman); 3 non-binary;
# 4 other (not listed); Z not stated; X not known. Kept apart from sex, never derived from it.
GenderIdentity = Literal["1", "2", "3", "4", "Z", "X", "prefer_not_to_say"]
# Sexual orientation (DCB2094): 1 heterosexual or straight; 2 gay or lesbian; 3 bisexual;
# 4 other not listed; U asked, does not know or is not sure; Z not stated; 9 not known.
SexualOrientation = Literal["1", "2", "3", "4", "U", "Z", "9", "prefer_not_to_say"]
# RELIGIOUS OR OTHER BELIEF SYSTEM AFFILIATION GROUP CODE: A Baha'i; B Buddhist; C Christian;
# D Hindu; E Jain; F Jewish; G Muslim; H Pagan; I Sikh; J Zoroastrian; K other; L none;
# M declines to disclose; N unknown.
ReligionOrBelief = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "prefer_not_to_say"
]  # fmt: skip
# Disability status as WDES/ESR record it (section 4.5 [I] note): Y yes; N no;
# Z not stated; 9 not known.
Disability = Literal["Y", "N", "Z", "9", "prefer_not_to_say"]
AgeBand = Literal["16-24", "25-34", "35-44", "45-54", "55-64", "65+", "prefer_not_to_say"]
# Legal partnership status (our list, after the 2021 Census question). The Equality Act
# protects being married or in a civil partnership; the other answers give the comparison.
MarriageCivilPartnership = Literal[
    "single",
    "married",
    "civil_partnership",
    "separated",
    "divorced_or_dissolved",
    "widowed_or_surviving_partner",
    "prefer_not_to_say",
]
# Pregnancy and maternity (our list): `maternity` is maternity or adoption leave, or the
# 26 weeks after giving birth.
PregnancyMaternity = Literal["no", "pregnant", "maternity", "prefer_not_to_say"]

CODES: dict[Characteristic, tuple[str, ...]] = {
    Characteristic.ETHNIC_CATEGORY: get_args(EthnicCategory),
    Characteristic.SEX: get_args(Sex),
    Characteristic.GENDER_IDENTITY: get_args(GenderIdentity),
    Characteristic.SEXUAL_ORIENTATION: get_args(SexualOrientation),
    Characteristic.RELIGION_OR_BELIEF: get_args(ReligionOrBelief),
    Characteristic.DISABILITY: get_args(Disability),
    Characteristic.AGE_BAND: get_args(AgeBand),
    Characteristic.MARRIAGE_CIVIL_PARTNERSHIP: get_args(MarriageCivilPartnership),
    Characteristic.PREGNANCY_MATERNITY: get_args(PregnancyMaternity),
}

# The longest code, with room to spare: the width of every characteristic column.
CODE_LENGTH = 32

# ---------------------------------------------------------------------------------------------
# The lead rule. A collaborative chooses WHICH characteristics count for its rule that team
# leads should include people from under-represented groups (`under_represented` on the
# collaborative). Which VALUES of a characteristic count as under-represented is this
# service's mapping, below, so that every collaborative applies the same, documented one.
#
# - ethnic_category: D-S, every Mixed, Asian, Black and Other ethnic group (the "BME" group of
#   the Workforce Race Equality Standard); White Irish and Any other White background do not
#   count, as in WRES.
# - sex: 2 female. Counted only when the collaborative lists `sex`.
# - gender_identity: 3 non-binary and 4 other. (1 and 2 include trans men and trans women, so
#   gender reassignment as such cannot be told from this field; no separate trans flag is kept.)
# - sexual_orientation: 2 gay or lesbian, 3 bisexual, 4 other.
# - religion_or_belief: any religion or belief other than C Christian and L none.
# - disability: Y.
# - age_band: 16-24, 55-64 and 65+ (the under-25s and over-55s are rare among team leads).
# - pregnancy_maternity: pregnant or maternity.
# - marriage_civil_partnership has no under-represented answer, so a collaborative cannot
#   list it.
#
# Answers that say nothing (prefer_not_to_say, not stated, not known, not sure) are neither
# in nor out: a lead whose every listed characteristic is unanswered makes the rule unknown.
# ---------------------------------------------------------------------------------------------

UNDER_REPRESENTED: dict[Characteristic, frozenset[str]] = {
    Characteristic.ETHNIC_CATEGORY: frozenset("DEFGHJKLMNPRS"),
    Characteristic.SEX: frozenset({"2"}),
    Characteristic.GENDER_IDENTITY: frozenset({"3", "4"}),
    Characteristic.SEXUAL_ORIENTATION: frozenset({"2", "3", "4"}),
    Characteristic.RELIGION_OR_BELIEF: frozenset("ABDEFGHIJK"),
    Characteristic.DISABILITY: frozenset({"Y"}),
    Characteristic.AGE_BAND: frozenset({"16-24", "55-64", "65+"}),
    Characteristic.PREGNANCY_MATERNITY: frozenset({"pregnant", "maternity"}),
}

# Answers that do not say whether the person is in an under-represented group.
NO_ANSWER: dict[Characteristic, frozenset[str]] = {
    Characteristic.ETHNIC_CATEGORY: frozenset({"Z", "99", PREFER_NOT_TO_SAY}),
    Characteristic.SEX: frozenset({"X", PREFER_NOT_TO_SAY}),
    Characteristic.GENDER_IDENTITY: frozenset({"Z", "X", PREFER_NOT_TO_SAY}),
    Characteristic.SEXUAL_ORIENTATION: frozenset({"U", "Z", "9", PREFER_NOT_TO_SAY}),
    Characteristic.RELIGION_OR_BELIEF: frozenset({"M", "N", PREFER_NOT_TO_SAY}),
    Characteristic.DISABILITY: frozenset({"Z", "9", PREFER_NOT_TO_SAY}),
    Characteristic.AGE_BAND: frozenset({PREFER_NOT_TO_SAY}),
    Characteristic.PREGNANCY_MATERNITY: frozenset({PREFER_NOT_TO_SAY}),
}

# What a collaborative may list in `under_represented`.
LeadCharacteristic = Literal[
    "ethnic_category",
    "sex",
    "gender_identity",
    "sexual_orientation",
    "religion_or_belief",
    "disability",
    "age_band",
    "pregnancy_maternity",
]


def in_under_represented_group(
    answers: dict[Characteristic, str | None], listed: list[str]
) -> bool | None:
    """The lead rule for one person: True if any listed characteristic's answer is an
    under-represented one, False if none is but at least one was answered, else None."""
    answered = False
    for name in listed:
        characteristic = Characteristic(name)
        if characteristic not in UNDER_REPRESENTED:
            continue
        value = answers.get(characteristic)
        if value is None or value in NO_ANSWER[characteristic]:
            continue
        if value in UNDER_REPRESENTED[characteristic]:
            return True
        answered = True
    return False if answered else None
