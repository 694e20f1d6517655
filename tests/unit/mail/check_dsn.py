#!/usr/bin/env python3
"""Reads the DSNs dsn_sample writes back with Python's email package, an
MIME parser independent of ours: multipart/report with three parts, the
delivery-status fields where RFC 3464 puts them, no parser defects.
Usage: check_dsn.py path/to/dsn_sample"""
import email
import email.policy
import subprocess
import sys

SAMPLE = sys.argv[1]


def run(variant):
    out = subprocess.run([SAMPLE, variant], check=True, capture_output=True, timeout=30).stdout
    for line in out.split(b"\r\n")[:-1]:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 998, len(line)
    assert out.endswith(b"\r\n")
    return out, email.message_from_bytes(out, policy=email.policy.default)


def status_blocks(part):
    """message/delivery-status: Python gives the blocks as sub-messages."""
    payload = part.get_payload()
    return [dict((k.lower(), str(v)) for k, v in block.items()) for block in payload]


def check_failure():
    raw, msg = run("failure")
    assert msg.get_content_type() == "multipart/report", msg.get_content_type()
    assert msg.get_param("report-type") == "delivery-status"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert str(msg["To"]) == "alice@example.test", msg["To"]
    assert not msg.defects, msg.defects
    parts = msg.get_payload()
    assert len(parts) == 3, len(parts)
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "message/rfc822"]
    for p in parts:
        assert not p.defects, p.defects
    assert "mx1.remote.test said: 550-5.1.1" in parts[0].get_content()
    blocks = status_blocks(parts[1])
    assert len(blocks) == 3, blocks
    assert blocks[0]["reporting-mta"] == "dns; mx.example.test"
    assert blocks[0]["original-envelope-id"] == "QQ+314159"
    assert blocks[1]["final-recipient"] == "rfc822; gone@remote.test"
    assert blocks[1]["original-recipient"] == "rfc822; gone@remote.test"
    assert blocks[1]["action"] == "failed" and blocks[1]["status"] == "5.1.1"
    assert blocks[1]["diagnostic-code"].startswith("smtp; 550-5.1.1 The account"), blocks[1]
    assert blocks[2]["status"] == "4.7.1", blocks[2]  # a greylisting that outlived the queue
    returned = parts[2].get_payload()[0]
    assert returned["Subject"] == "Lunch?"
    assert returned.get_content().strip() == "Are you free on Friday?"


def check_delay():
    _, msg = run("delay")
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    blocks = status_blocks(parts[1])
    assert len(blocks) == 2
    assert blocks[1]["action"] == "delayed"
    assert blocks[1]["will-retry-until"] == "Sun, 19 Nov 2023 22:13:20 +0000"
    assert "Subject: Lunch?" in parts[2].get_content()
    assert "Friday" not in parts[2].get_content()


def check_utf8():
    raw, msg = run("utf8")
    assert msg.get_param("report-type") == "global-delivery-status"
    parts = msg.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/global-delivery-status", "message/global"]
    assert parts[0].get_content_charset() == "utf-8"
    assert "用户@remote.test" in parts[0].get_content()
    assert "Final-Recipient: utf-8; 用户@remote.test".encode() in raw
    assert "Hallo €".encode() in raw


def check_hostile():
    _, msg = run("hostile")
    assert not msg.defects, msg.defects
    parts = msg.get_payload()
    assert len(parts) == 3
    blocks = status_blocks(parts[1])
    assert len(blocks) == 3, blocks  # no injected block
    assert blocks[0]["reporting-mta"] == "dns; mx.example.test"
    assert blocks[1]["action"] == "failed"
    assert len(blocks[1]["diagnostic-code"]) <= 520


for check in (check_failure, check_delay, check_utf8, check_hostile):
    check()
    print(check.__name__, "ok")
