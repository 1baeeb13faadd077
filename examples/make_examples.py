"""Writes the demo collaborative's example extracts in examples/ (fictitious, seeded, repeatable).

Run: .venv/bin/python examples/make_examples.py. The files are committed; this script says how
they were made and makes them again identically. Every respondent and employee is invented; the
teams are the demo's, found by their ODS code and external reference (app/demo_data.py).

- enjoying-work-2025-09-22.csv: one week of the Enjoying Work pulse (survey-responses), with
  ethnicity and disability group columns, for the week after the demo's last weekly point.
- nqps-2025-q3.csv: a quarter of National Quarterly Pulse Survey responses (survey-responses).
- esr-staff-2025-q3.csv and esr-absence-2025-q3.csv: a person-level ESR-style extract of two
  teams' assignments and sickness episodes (workforce-staff, window 2025-07 to 2025-09).
- workforce-monthly-2025-q3.csv: three months of every demo team's workforce figures
  (workforce-monthly). The two ESR teams' rows are the aggregates of the person-level extract,
  so posting either file stores the same months for them (apart from the establishment and
  vacancy columns, which only the monthly file carries).
"""

import csv
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo_data import TEAMS, TeamSpec
from app.surveys.builtins import ENJOYING_WORK, NQPS
from app.workforce.aggregation import (
    AbsenceEpisode,
    Assignment,
    MonthlyFigures,
    aggregate_staff,
    check_staff,
)

HERE = Path(__file__).resolve().parent
WEEK = date(2025, 9, 22)  # a Monday: the showcase week, after the demo's last weekly point
QUARTER = (date(2025, 7, 1), date(2025, 9, 1))
ESR_TEAMS = ("ED-NURSING-NGH", "PHARMACY-DISPENSARY-DRI")
# ETHNIC CATEGORY codes as a trust's HR system writes them (A-C white, D-S others, Z not stated).
ETHNICITY = ("A",) * 12 + ("B", "C", "D", "F", "H", "J", "K", "L", "M", "N", "R", "S", "Z")
DISABILITY = ("N",) * 8 + ("Y", "Y", "Z", "")


def _write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")  # as Excel and most tools write CSV
        writer.writerow(header)
        writer.writerows(rows)


def _pick(rng: random.Random, options: list[str], favourable: float, good: int) -> str:
    """An answer: one of the first `good` options with probability `favourable`."""
    if rng.random() < favourable:
        return rng.choice(options[:good])
    return rng.choice(options[good:])


def _response_id(rng: random.Random) -> str:
    return f"R_{rng.getrandbits(48):012x}"


def enjoying_work(rng: random.Random) -> None:
    questions = {q.code: [o.code for o in q.scale] for q in ENJOYING_WORK.questions}
    header = ["response_id", "ods_code", "team_ref", "submitted_on"]
    header += [q.code for q in ENJOYING_WORK.questions] + ["group_ethnicity", "group_disability"]
    rows: list[list[str]] = []
    for team in TEAMS:
        levels = team.after or team.before
        for _ in range(rng.randint(team.respondents[0] // 2, team.respondents[0])):
            day = WEEK + timedelta(days=rng.randrange(5))
            # MS Forms writes day/month/year with a time: the London date is what counts.
            submitted = f"{day:%d/%m/%Y} {rng.randrange(7, 19):02d}:{rng.randrange(60):02d}"
            enjoy = _pick(rng, questions["enjoy_work"], levels.enjoy_work, 2)
            burnout = _pick(rng, questions["burnout"], levels.no_burnout, 1)
            recommend = _pick(rng, questions["recommend_team"][:5], levels.recommend_team, 1)
            if rng.random() < 0.05:
                recommend = "dont_know"
            if rng.random() < 0.03:
                burnout = ""  # not answered
            rows.append(
                [
                    _response_id(rng),
                    team.ods_code,
                    team.team_ref,
                    submitted,
                    enjoy,
                    burnout,
                    recommend,
                    rng.choice(ETHNICITY),
                    rng.choice(DISABILITY),
                ]
            )
    rng.shuffle(rows)
    _write("enjoying-work-2025-09-22.csv", header, rows)


def nqps(rng: random.Random) -> None:
    codes = [q.code for q in NQPS.questions]
    labels = {q.code: [o.label for o in q.scale] for q in NQPS.questions}
    header = ["response_id", "ods_code", "team_ref", "submitted_on", *codes]
    rows: list[list[str]] = []
    for team in TEAMS:
        favourable = (team.after or team.before).enjoy_work + 0.15
        for _ in range(rng.randint(team.respondents[0] // 2, team.respondents[0])):
            day = QUARTER[0] + timedelta(days=rng.randrange(14, 40))
            answers = []
            for code in codes:
                # The national tools export labels ("Agree"); either labels or codes import.
                scale = labels[code]
                answer = (
                    rng.choice(scale[3:]) if rng.random() < favourable else rng.choice(scale[:3])
                )
                answers.append("" if rng.random() < 0.04 else answer)
            rows.append(
                [_response_id(rng), team.ods_code, team.team_ref, day.isoformat(), *answers]
            )
    _write("nqps-2025-q3.csv", header, rows)


@dataclass
class Staff:
    assignments: list[Assignment[str]]
    absences: list[AbsenceEpisode[str]]


def _staff(rng: random.Random, team: TeamSpec, size: int) -> Staff:
    """A team's history: most staff in post for years, some leaving and joining around the
    quarter, a few changing contract (two touching assignments: neither a leaver nor a
    starter), and sickness episodes within their spells."""
    assignments: list[Assignment[str]] = []
    absences: list[AbsenceEpisode[str]] = []
    for n in range(size):
        employee = f"P{rng.getrandbits(36):09X}"  # pseudonymous, as an ESR BI report gives
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(6 * 365))
        end: date | None = None
        if rng.random() < 0.12:
            end = QUARTER[0] + timedelta(days=rng.randrange(90))
        if n >= size - 3:  # joined during the quarter
            start = QUARTER[0] + timedelta(days=rng.randrange(85))
            end = None
        fte = rng.choice((1.0, 1.0, 1.0, 0.8, 0.6, 0.5))
        if end is None and start < QUARTER[0] and rng.random() < 0.1:
            change = date(2025, 8, 1)  # a new contract from August: the old one ends the day before
            assignments.append(
                Assignment(employee, team.team_ref, start, change - timedelta(days=1), fte)
            )
            assignments.append(Assignment(employee, team.team_ref, change, None, 1.0))
        else:
            assignments.append(Assignment(employee, team.team_ref, start, end, fte))
        first = max(start, QUARTER[0])
        last = end or date(2025, 9, 30)
        if rng.random() < 0.25 and (last - first).days > 12:
            begin = first + timedelta(days=rng.randrange((last - first).days - 10))
            days = rng.randint(1, 10)
            absences.append(
                AbsenceEpisode(
                    employee, team.team_ref, begin, begin + timedelta(days=days - 1), days * fte
                )
            )
    return Staff(assignments, absences)


def _cell(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def workforce(rng: random.Random) -> None:
    staff_rows: list[list[str]] = []
    absence_rows: list[list[str]] = []
    monthly_rows: list[list[str]] = []
    for team in TEAMS:
        staff = _staff(rng, team, rng.randint(38, 60))
        assert not check_staff(staff.assignments, staff.absences)
        (months,) = aggregate_staff(staff.assignments, staff.absences, *QUARTER).values()
        if team.team_ref in ESR_TEAMS:
            for a in sorted(staff.assignments, key=lambda a: (a.employee, a.start)):
                end = "" if a.end is None else f"{a.end:%d/%m/%Y}"
                reason = "Voluntary Resignation - Work Life Balance" if a.end else ""
                staff_rows.append(
                    [
                        a.employee,
                        team.ods_code,
                        team.team_ref,
                        f"{a.start:%d/%m/%Y}",
                        end,
                        _cell(a.fte),
                        reason,
                    ]
                )
            for e in staff.absences:
                absence_rows.append(
                    [
                        e.employee,
                        team.ods_code,
                        team.team_ref,
                        e.start.isoformat(),
                        e.end.isoformat(),
                        _cell(e.fte_days_lost),
                    ]
                )
        monthly_rows += [_monthly_row(rng, team, m) for m in months]
    _write(
        "esr-staff-2025-q3.csv",
        ["employee_ref", "ods_code", "team_ref", "start_date", "end_date", "fte", "leaving_reason"],
        staff_rows,
    )
    _write(
        "esr-absence-2025-q3.csv",
        ["employee_ref", "ods_code", "team_ref", "start_date", "end_date", "fte_days_lost"],
        absence_rows,
    )
    _write("workforce-monthly-2025-q3.csv", MONTHLY_HEADER, monthly_rows)


MONTHLY_HEADER = [
    "ods_code",
    "team_ref",
    "month",
    "headcount_start",
    "headcount_end",
    "fte_start",
    "fte_end",
    "starters",
    "leavers",
    "leavers_fte",
    "sickness_fte_days_lost",
    "fte_days_available",
    "establishment_fte",
    "vacancies_fte",
]


def _monthly_row(rng: random.Random, team: TeamSpec, m: MonthlyFigures) -> list[str]:
    establishment = round((m.fte_end or 0) + rng.uniform(1, 5), 1)
    vacancies = round(establishment - (m.fte_end or 0), 2)
    figures = (
        m.headcount_start,
        m.headcount_end,
        m.fte_start,
        m.fte_end,
        m.starters,
        m.leavers,
        m.leavers_fte,
        m.sickness_fte_days_lost,
        m.fte_days_available,
        establishment,
        vacancies,
    )
    return [team.ods_code, team.team_ref, f"{m.month:%Y-%m}-01", *map(_cell, figures)]


def main() -> None:
    rng = random.Random(20250922)
    enjoying_work(rng)
    nqps(rng)
    workforce(rng)


if __name__ == "__main__":
    main()
