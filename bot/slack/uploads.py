"""Uploading files: the culture report's chart, with its figures as the comment, and the
participation chart beside it in the same message."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.report import render_chart, report_comment, report_filename, report_title
from bot.report_participation import (
    participation_alt_text,
    participation_comment,
    participation_filename,
    participation_title,
    render_participation,
)
from models.culture import CultureReport
from models.participation import ParticipationReport


def upload_report(
    client: WebClient,
    channel: str,
    report: CultureReport,
    participation: ParticipationReport,
) -> None:
    """Upload the chart to `channel` with the figures as its comment (files_upload_v2:
    files.getUploadURLExternal, the bytes, files.completeUploadExternal), and the
    participation chart in the same message, so both are posted or neither."""
    chart = {
        "file": render_chart(report),
        "filename": report_filename(report),
        "title": report_title(report),
        "alt_txt": f"{report_title(report)}: each department's participation and the "
        "everybody-sells index by month (lines), and credits per stage by month (stacked bars).",
    }
    second = {
        "file": render_participation(participation),
        "filename": participation_filename(participation),
        "title": participation_title(participation),
        "alt_txt": participation_alt_text(participation),
    }
    client.files_upload_v2(
        channel=channel,
        file_uploads=[chart, second],
        initial_comment=f"{report_comment(report)}\n{participation_comment(participation)}",
    )
