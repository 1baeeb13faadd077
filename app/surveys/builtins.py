"""The built-in, read-only surveys: `nss`, `nqps` and `enjoying-work` (ingest spec 5.1 and 9)."""

from collections.abc import Sequence

from app.surveys.definitions import Option, Question, Score, Survey

# NSS response scales (nhs-workforce-data.md 1.2): an option's code is its position on the
# questionnaire's scale, 1 = Strongly disagree or Never, 5 = Strongly agree or Always (spec 5.1).
AGREEMENT = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
FREQUENCY = ("Never", "Rarely", "Sometimes", "Often", "Always")
_POINTS = (0.0, 2.5, 5.0, 7.5, 10.0)  # positions 1..5 on 0-10 (reference 1.4)


def _five_point(code: str, text: str, labels: Sequence[str], *, reverse: bool = False) -> Question:
    """A 5-point item scored 0/2.5/5/7.5/10; a negatively worded one the other way round, so
    that Never (or Strongly disagree) scores 10 and its two lowest options are favourable."""
    points = tuple(reversed(_POINTS)) if reverse else _POINTS
    return Question(
        code=code,
        text=text,
        scale=tuple(
            Option(code=str(i + 1), label=label, score=points[i]) for i, label in enumerate(labels)
        ),
        favourable=("1", "2") if reverse else ("4", "5"),
        reverse=reverse,
    )


def _agree(code: str, text: str, *, reverse: bool = False) -> Question:
    return _five_point(code, text, AGREEMENT, reverse=reverse)


def _often(code: str, text: str, *, reverse: bool = False) -> Question:
    return _five_point(code, text, FREQUENCY, reverse=reverse)


# The wording of appendix 9 (abridged from the NHS Staff Survey), shared by nqps and nss.
_ENGAGEMENT = (
    _often("q2a", "I look forward to going to work."),
    _often("q2b", "I am enthusiastic about my job."),
    _often("q2c", "Time passes quickly when I am working."),
    _agree("q3c", "There are frequent opportunities for me to show initiative in my role."),
    _agree("q3d", "I am able to make suggestions to improve the work of my team / department."),
    _agree("q3f", "I am able to make improvements happen in my area of work."),
    _agree("q25a", "Care of patients / service users is my organisation's top priority."),
    _agree("q25c", "I would recommend my organisation as a place to work."),
    _agree(
        "q25d",
        "If a friend or relative needed treatment I would be happy with the standard of care "
        "provided by this organisation.",
    ),
)
_ENGAGEMENT_SCORES = (
    Score("motivation", "Motivation", ("q2a", "q2b", "q2c")),
    Score("involvement", "Involvement", ("q3c", "q3d", "q3f")),
    Score("advocacy", "Advocacy", ("q25a", "q25c", "q25d")),
    Score("engagement", "Staff engagement", ("motivation", "involvement", "advocacy")),
)

NQPS = Survey(
    code="nqps",
    name="National Quarterly Pulse Survey (engagement)",
    frequency="quarterly",
    questions=_ENGAGEMENT,
    scores=_ENGAGEMENT_SCORES,
)

ENJOYING_WORK = Survey(
    code="enjoying-work",
    name="Enjoying Work weekly measures",
    frequency="weekly",
    questions=(
        Question(
            code="enjoy_work",
            text="How often do you enjoy being at work?",
            scale=(
                Option("always", "Always", 10.0),
                Option("often", "Often", 7.5),
                Option("sometimes", "Sometimes", 5.0),
                Option("rarely", "Rarely", 2.5),
                Option("never", "Never", 0.0),
            ),
            favourable=("always", "often"),
        ),
        Question(
            code="burnout",
            text=(
                "Overall, based on your definition of burnout, how would you rate your level "
                "of burnout?"
            ),
            scale=(
                Option("1", "I enjoy my work. I have no symptoms of burnout", 10.0),
                Option(
                    "2",
                    "Occasionally I am under stress, and I don't always have as much energy as "
                    "I once did, but I don't feel burned out",
                    7.5,
                ),
                Option(
                    "3",
                    "I am definitely burning out and have one or more symptoms of burnout",
                    5.0,
                ),
                Option("4", "The symptoms of burnout that I'm experiencing won't go away", 2.5),
                Option("5", "I feel completely burned out", 0.0),
            ),
            favourable=("1",),
        ),
        Question(
            code="recommend_team",
            text="How likely are you to recommend your team as a place to work?",
            scale=(
                Option("extremely_likely", "Extremely likely", 10.0),
                Option("likely", "Likely", 7.5),
                Option("neither", "Neither likely nor unlikely", 5.0),
                Option("unlikely", "Unlikely", 2.5),
                Option("extremely_unlikely", "Extremely unlikely", 0.0),
                Option("dont_know", "Don't know", None, counts=False),
            ),
            favourable=("extremely_likely",),
        ),
    ),
)

# `nss`: the 2023/2024 core questions of nhs-workforce-data.md 1.2-1.3 and 5.1 whose scale the
# reference lets us define: the agreement and frequency items. The wording is the reference's
# abridged summary where it gives no more (the full wording is the year's questionnaire's).
# Left out, for want of their options in the reference: the satisfaction items (q4a-d, only
# the scale's two ends are given), the appraisal items (q23b-d: three options, no codes), the
# Yes/No and count items (q11a-e, q13a-d, q14a-d, q15, q16a-b, q17a-b, q18). So are the scores
# that need them: Recognised and rewarded, Diversity and equality, Health and safety climate,
# Negative experiences, Appraisals, Flexible working, and the elements built on them.
NSS = Survey(
    code="nss",
    name="NHS Staff Survey (2023/2024 core questions)",
    frequency="annual",
    questions=(
        *_ENGAGEMENT[:3],
        _agree("q3a", "Responsibilities"),
        _agree("q3b", "Trusted"),
        _ENGAGEMENT[3],
        _ENGAGEMENT[4],
        _agree("q3e", "Involved in change"),
        _ENGAGEMENT[5],
        _agree("q3g", "Conflicting demands"),
        _agree("q3h", "Materials"),
        _agree("q3i", "Enough staff"),
        _often("q5a", "Unrealistic time pressures", reverse=True),
        _often("q5b", "Choice in how to work"),
        _often("q5c", "Strained relationships", reverse=True),
        _agree("q6a", "Role makes a difference"),
        _agree("q6b", "Organisation committed to work-life balance"),
        _agree("q6c", "Achieve balance"),
        _agree("q6d", "Can talk to manager about flexible working"),
        _agree("q7a", "Team: shared objectives"),
        _agree("q7b", "Team: meets"),
        _agree("q7c", "Team: respect from colleagues"),
        _agree("q7d", "Team: understand roles"),
        _agree("q7e", "Team: enjoy"),
        _agree("q7f", "Team: freedom"),
        _agree("q7g", "Team: disagreements"),
        _agree("q7h", "Team: valued by team"),
        _agree("q7i", "Team: attachment"),
        _agree("q8a", "Teams work well together"),
        _agree("q8b", "Kind"),
        _agree("q8c", "Polite/respect"),
        _agree("q8d", "Show appreciation"),
        _agree("q9a", "Immediate manager: encourages"),
        _agree("q9b", "Immediate manager: feedback"),
        _agree("q9c", "Immediate manager: asks opinion"),
        _agree("q9d", "Immediate manager: interest in wellbeing"),
        _agree("q9e", "Immediate manager: values work"),
        _agree("q9f", "Immediate manager: works with me"),
        _agree("q9g", "Immediate manager: listens"),
        _agree("q9h", "Immediate manager: cares"),
        _agree("q9i", "Immediate manager: takes action"),
        _often("q12a", "Work emotionally exhausting", reverse=True),
        _often("q12b", "Burnt out because of work", reverse=True),
        _often("q12c", "Work frustrates", reverse=True),
        _often("q12d", "Exhausted at the thought of another shift", reverse=True),
        _often("q12e", "Worn out at the end of the shift", reverse=True),
        _often("q12f", "Every working hour is tiring", reverse=True),
        _often("q12g", "Not enough energy for family and friends", reverse=True),
        _agree("q19a", "Organisation treats staff involved in an error fairly"),
        _agree("q19b", "Organisation encourages reporting"),
        _agree("q19c", "Organisation takes action so errors do not recur"),
        _agree("q19d", "Organisation gives feedback on changes made"),
        _agree("q20a", "I would feel secure raising concerns about unsafe clinical practice"),
        _agree("q20b", "I am confident that my organisation would address my concern"),
        _agree("q21", "Organisation respects individual differences"),
        _agree("q24a", "Challenging work"),
        _agree("q24b", "Career"),
        _agree("q24c", "Knowledge/skills"),
        _agree("q24d", "Supported to develop"),
        _agree("q24e", "Access to learning and development"),
        _ENGAGEMENT[6],
        _agree("q25b", "Organisation acts on patient concerns"),
        _ENGAGEMENT[7],
        _ENGAGEMENT[8],
        _agree("q25e", "I feel safe to speak up about anything that concerns me"),
        _agree(
            "q25f",
            "If I spoke up ... I am confident my organisation would address my concern",
        ),
        _agree("q26a", "Often think of leaving", reverse=True),
        _agree("q26b", "Look for a job in 12 months", reverse=True),
        _agree("q26c", "Leave as soon as possible", reverse=True),
    ),
    scores=(
        Score(
            "compassionate_culture",
            "Compassionate culture",
            ("q6a", "q25a", "q25b", "q25c", "q25d"),
        ),
        Score("compassionate_leadership", "Compassionate leadership", ("q9f", "q9g", "q9h", "q9i")),
        Score("inclusion", "Inclusion", ("q7h", "q7i", "q8b", "q8c")),
        Score(
            "autonomy_and_control",
            "Autonomy and control",
            ("q3a", "q3b", "q3c", "q3d", "q3e", "q3f", "q5b"),
        ),
        Score("raising_concerns", "Raising concerns", ("q20a", "q20b", "q25e", "q25f"), 3),
        Score(
            "voice_that_counts",
            "We each have a voice that counts",
            ("autonomy_and_control", "raising_concerns"),
        ),
        Score(
            "burnout",
            "Burnout",
            ("q12a", "q12b", "q12c", "q12d", "q12e", "q12f", "q12g"),
            5,
        ),
        Score("development", "Development", ("q24a", "q24b", "q24c", "q24d", "q24e")),
        Score("work_life_balance", "Support for work-life balance", ("q6b", "q6c", "q6d")),
        Score(
            "team_working",
            "Team working",
            ("q7a", "q7b", "q7c", "q7d", "q7e", "q7f", "q7g", "q8a"),
        ),
        Score("line_management", "Line management", ("q9a", "q9b", "q9c", "q9d")),
        Score("we_are_a_team", "We are a team", ("team_working", "line_management")),
        *_ENGAGEMENT_SCORES,
        Score("thinking_about_leaving", "Thinking about leaving", ("q26a", "q26b", "q26c")),
        Score("work_pressure", "Work pressure", ("q3g", "q3h", "q3i")),
        Score("stressors", "Stressors", ("q3a", "q3e", "q5a", "q5b", "q5c", "q7c", "q9a")),
        Score("morale", "Morale", ("thinking_about_leaving", "work_pressure", "stressors")),
    ),
)

BUILT_IN: dict[str, Survey] = {survey.code: survey for survey in (NSS, NQPS, ENJOYING_WORK)}
