"""Uploading files: the culture report's chart, with its figures as the comment."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.report import render_chart, report_comment, report_filename, report_title
from models.culture import CultureReport


def upload_report(client: WebClient, channel: str, report: CultureReport) -> None:
    """Upload the chart to `channel` with the figures as its comment (files_upload_v2:
    files.getUploadURLExternal, the bytes, files.completeUploadExternal)."""
    client.files_upload_v2(
        channel=channel,
        file=render_chart(report),
        filename=report_filename(report),
        title=report_title(report),
        alt_txt=f"{report_title(report)}: each department's participation and the "
        "everybody-sells index by month (lines), and credits per stage by month (stacked bars).",
        initial_comment=report_comment(report),
    )
