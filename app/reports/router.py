"""HTTP endpoints for the meeting pack and the programme report: JSON, HTML or XLSX."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.audit.actions import AuditAction
from app.auth.dependencies import Reader
from app.collaboratives import service as collaboratives_service
from app.errors import NotAcceptable
from app.http.deps import SessionDep, SettingsDep, audit_trail
from app.http.problems import guarded
from app.http.responses import preferred_media_type
from app.http.uploads import XLSX
from app.meetings import service as meetings_service
from app.reach.conditions import teams_condition
from app.reports import data_pack, html, service, xlsx
from app.reports.schemas import MeetingPackRead, ProgrammeReportRead

router = APIRouter(tags=["reports"])
JSON = "application/json"
HTML = "text/html"
MEDIA = {"json": JSON, "html": HTML, "xlsx": XLSX}
OTHER_VIEWS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            HTML: {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def chosen_view(
    request: Request,
    output: Annotated[
        Literal["json", "html", "xlsx"] | None,
        Query(
            alias="format",
            description="`json`, `html` (printable, self-contained) or `xlsx` (the data pack);"
            " without it, the Accept header decides.",
        ),
    ] = None,
) -> str:
    """The media type to answer: `?format=` when given, else the Accept header (406 when it
    accepts none of the three)."""
    if output is not None:
        return MEDIA[output]
    chosen = preferred_media_type(request.headers.get("accept"), (JSON, HTML, XLSX))
    if chosen is None:
        raise NotAcceptable(
            f"This report is {JSON}, {HTML} or {XLSX} (also ?format=json|html|xlsx); the"
            " Accept header allows none of them."
        )
    return chosen


View = Annotated[str, Depends(chosen_view)]


def _file(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get(
    "/meetings/{meeting_id}/report",
    summary="The meeting pack of a learning session",
    response_model=MeetingPackRead,
    responses={**OTHER_VIEWS, **guarded(404, 406, 422)},
)
def meeting_pack(meeting_id: uuid.UUID, session: SessionDep, principal: Reader, view: View) -> Any:
    """For each selected team the caller reaches: its latest progress scores (team and coach)
    and their change since the previous learning session, the chart of every shared measure
    with its icons and PDSA annotations, the cycles started and finished in the action period
    just ended, the ideas adopted in it, and who came to the previous session; then the
    dashboard. As JSON, printable HTML, or the XLSX data pack."""
    meeting = meetings_service.get_meeting(session, meeting_id)
    pack = service.meeting_pack(session, meeting, teams_condition(principal))
    if view == HTML:
        return Response(html.meeting_pack_html(pack), media_type=HTML)
    if view == XLSX:
        sheets = data_pack.data_pack(session, meeting.collaborative_id, pack.teams)
        return _file(xlsx.workbook(sheets), f"meeting-pack-{pack.read.meeting.date}")
    return pack.read


@router.get(
    "/collaboratives/{collaborative_id}/report",
    summary="The programme report",
    response_model=ProgrammeReportRead,
    responses={**OTHER_VIEWS, **guarded(404, 406, 422)},
)
def programme_report(
    collaborative_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    principal: Reader,
    view: View,
) -> Any:
    """The whole collaborative so far, for sharing with the wider improvement community (it is
    the collaborative's by design, not one team's): each selected team's aim, journey and
    ideas; the change package; participation; and the equality summary of the people
    involved, every count through the disclosure rules (each read is audited). As JSON,
    printable HTML, or the XLSX data pack."""
    collaborative = collaboratives_service.get_collaborative(session, collaborative_id)
    report = service.programme_report(session, collaborative, threshold=settings.equality_threshold)
    audit_trail(request).record(
        AuditAction.EQUALITY_SUMMARY_EXPORTED,
        "success",
        subject=str(collaborative_id),
        reason="programme report",
    )
    if view == HTML:
        return Response(html.programme_report_html(report), media_type=HTML)
    if view == XLSX:
        sheets = data_pack.data_pack(session, collaborative_id, report.teams)
        return _file(xlsx.workbook(sheets), f"programme-report-{collaborative_id}")
    return report.read
