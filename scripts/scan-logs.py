#!/usr/bin/env python3
"""Scans log files for personal data: a full phone number or a full CCCD number in any line.

Usage: scan-logs.py [--min-lines N] FILE...   exit 0 clean, 1 found (lines printed masked),
2 too few lines to mean anything. `--self-test` checks the scanner on planted lines.
"""
import re
import sys

# Digits inside UUIDs and hex are not personal data: a number must stand alone.
PHONE = re.compile(r"(?<![0-9A-Za-z-])(?:\+?84|0)[35789]\d{8}(?![0-9A-Za-z])")
CCCD = re.compile(r"(?<![0-9A-Za-z-])\d{12}(?![0-9A-Za-z])")


def findings(line):
    return [m.group(0) for pattern in (PHONE, CCCD) for m in pattern.finditer(line)]


def mask(value):
    return value[:3] + "•" * (len(value) - 6) + value[-3:]


def self_test():
    planted = [
        '{"fields":{"message":"registered","phone":"0912345678"}}',
        'phone +84912345678 here',
        'cccd=001090123456 in a message',
    ]
    clean = [
        '{"attempt_id":"85356a1e-6246-4c89-9903-123456789012"}',
        '{"timestamp":"2026-11-22T12:30:00.123456Z","server_ms":1795350325032}',
        '{"participant.id":42,"round.id":7,"hmac":"ab0912345678cd"}',
    ]
    ok = all(findings(line) for line in planted) and not any(findings(line) for line in clean)
    print("log scanner self-test:", "ok" if ok else "FAILED")
    return 0 if ok else 1


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    min_lines = 1
    files = argv[1:]
    if files[:1] == ["--min-lines"]:
        min_lines, files = int(files[1]), files[2:]
    lines = found = 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                for value in findings(line):
                    found += 1
                    print(f"{path}:{number}: personal data in a log line: {mask(value)}")
    print(f"log scan: {lines} lines, {found} personal-data findings")
    if lines < min_lines:
        print(f"log scan: expected at least {min_lines} lines; the logs were not captured")
        return 2
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
