#!/usr/bin/env python3
"""Writes seed inputs for the fuzz harnesses into OUT/NAME/, made from the delivery fixtures:
bodies for `body`, header values for `headers`, whole requests for `receiver` (in the
METHOD / headers / blank line / body form it reads) and signed bodies for `signature`."""
import argparse, base64, glob, hashlib, hmac, json, os

NOW = 1767225600  # the receiver fuzzer's fixed clock
SECRET = base64.b64decode("KCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/")  # the signature fuzzer's secret
SIGNED_ID = "00000000-0000-4000-8000-00000000f022"


def expand(value):
    return (value.replace("{now_ms}", str(NOW * 1000)).replace("{now}", str(NOW))
            .replace("{now-301}", str(NOW - 301)).replace("{now+301}", str(NOW + 301)))


def steps(fixtures):
    for path in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
        with open(path, encoding="utf-8") as f:
            case = json.load(f)
        for step in case["steps"]:
            if "body_base64" in step:
                body = base64.b64decode(step["body_base64"])
            else:
                body = (step.get("body") or "").encode()
            headers = {k: expand(v) for k, v in step.get("headers", {}).items()}
            yield step.get("method", "POST"), headers, body


def write(out, name, index, data):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-%03d" % index), "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    all_steps = list(steps(args.fixtures))
    if not all_steps:
        raise SystemExit("no fixtures under " + args.fixtures)

    bodies = sorted({body for _, _, body in all_steps})
    for i, body in enumerate(bodies):
        write(args.out, "body", i, body)

    values = {v for _, headers, _ in all_steps for v in headers.values()}
    values |= {"2026-01-15T10:30:00Z", "2026-01-15T10:30:00.123456789+05:30", "1767225600",
               "application/vnd.megaport+json; charset=utf-8", "msg_2xVbX1", " 1767225600 "}
    for i, value in enumerate(sorted(values)):
        write(args.out, "headers", i, value.encode())

    for i, (method, headers, body) in enumerate(all_steps):
        head = method + "\n" + "".join("%s: %s\n" % kv for kv in headers.items()) + "\n"
        write(args.out, "receiver", i, head.encode() + body)

    for i, body in enumerate(bodies):
        signed = (SIGNED_ID + "." + str(NOW) + ".").encode() + body
        mac = base64.b64encode(hmac.new(SECRET, signed, hashlib.sha256).digest()).decode()
        header = "v1a,%s v1,%s" % ("A" * 86 + "==", mac)
        write(args.out, "signature", i, header.encode() + b"\n" + body)
    print("seeds written to", args.out)


if __name__ == "__main__":
    main()
