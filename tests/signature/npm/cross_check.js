// The npm side of the cross-check (npm_cross_check.py): signs and verifies one delivery with
// the `standardwebhooks` package's Webhook class.
//
//   node cross_check.js version
//   node cross_check.js sign SECRET ID TIMESTAMP BODY_FILE           prints the v1 entry
//   node cross_check.js verify SECRET ID TIMESTAMP BODY_FILE HEADER  exit 0 verified, 1 refused
"use strict";

const fs = require("fs");
const path = require("path");

// The package is installed next to package.json in the work directory, given by the driver.
const modules = process.env.CROSS_CHECK_NODE_MODULES;
const { Webhook, WebhookVerificationError } = require(path.join(modules, "standardwebhooks"));

function main(args) {
  if (args[0] === "version") {
    const info = require(path.join(modules, "standardwebhooks", "package.json"));
    console.log(info.version);
    return 0;
  }

  const [command, secret, id, timestamp, bodyFile, header] = args;
  const body = fs.readFileSync(bodyFile);
  const webhook = new Webhook(secret);

  if (command === "sign" && args.length === 5) {
    const when = new Date(Number.parseInt(timestamp, 10) * 1000);
    console.log(webhook.sign(id, when, body));
    return 0;
  }

  if (command === "verify" && args.length === 6) {
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": timestamp,
      "webhook-signature": header,
    };
    try {
      webhook.verify(body, headers, { jsonParse: false });
    } catch (e) {
      if (!(e instanceof WebhookVerificationError)) throw e;
      console.log(`refused: ${e.message}`);
      return 1;
    }
    console.log("verified");
    return 0;
  }

  console.error("usage: cross_check.js version | sign ... | verify ...");
  return 2;
}

process.exitCode = main(process.argv.slice(2));
