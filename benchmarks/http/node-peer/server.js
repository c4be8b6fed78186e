'use strict';
// The HTTP comparison's peer: megaport-webhook-receiver's job (with --dedupe memory and
// signatures off) done the way a Node.js user would write it: node's http server, JSON.parse,
// the same header checks and status codes, a Set for dedupe and one log line per delivery.
//
//   node server.js [PORT]      listens on 127.0.0.1:PORT (default 8081), route /webhooks/megaport

const http = require('http');

const port = Number(process.argv[2] || 8081);
const route = '/webhooks/megaport';
const maxBody = 1024 * 1024;
const tolerance = 300;
const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const seen = new Set();

function answer(res, status, outcome, reason) {
  const body = reason ? JSON.stringify({ outcome, reason }) : JSON.stringify({ outcome });
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  if (status === 405) headers.Allow = 'POST';
  res.writeHead(status, headers);
  res.end(body);
  process.stderr.write(`${new Date().toISOString()} status=${status} outcome=${outcome}` +
                       ` reason="${reason || '-'}"\n`);
}

function isJson(contentType) {
  if (typeof contentType !== 'string') return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' ||
         (type.startsWith('application/') && type.endsWith('+json') && type.length > 17);
}

function single(req, name) {
  // Node joins repeated headers with ", "; rawHeaders keeps each occurrence.
  let count = 0;
  let value;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === name) {
      if (count++ === 0) value = req.rawHeaders[i + 1];
    }
  }
  return { count, value };
}

function checkEnvelope(event) {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return 'not an object';
  for (const name of ['type', 'schema_version', 'timestamp', 'company_uid']) {
    if (typeof event[name] !== 'string') return `${name}: missing or not a string`;
  }
  if (!uuidPattern.test(event.company_uid)) return 'company_uid: not a UUID';
  if (Number.isNaN(Date.parse(event.timestamp))) return 'timestamp: not a date-time';
  const data = event.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'data: not an object';
  return null;
}

function handle(req, res, body) {
  const id = single(req, 'webhook-id');
  const ts = single(req, 'webhook-timestamp');
  if (id.count !== 1) return answer(res, 400, 'rejected', 'webhook-id missing or repeated');
  if (ts.count !== 1) return answer(res, 400, 'rejected', 'webhook-timestamp missing or repeated');
  const deliveryId = id.value.trim();
  if (!uuidPattern.test(deliveryId)) return answer(res, 400, 'rejected', 'webhook-id malformed');
  const stamp = ts.value.trim();
  if (!/^[0-9]{1,12}$/.test(stamp)) return answer(res, 400, 'rejected', 'webhook-timestamp malformed');
  const age = Math.floor(Date.now() / 1000) - Number(stamp);
  if (age > tolerance) return answer(res, 400, 'rejected', 'stale webhook-timestamp');
  if (-age > tolerance) return answer(res, 400, 'rejected', 'webhook-timestamp in the future');

  let event;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return answer(res, 400, 'rejected', 'malformed JSON');
  }
  const problem = checkEnvelope(event);
  if (problem) return answer(res, 400, 'rejected', problem);

  const key = deliveryId.toLowerCase();
  if (seen.has(key)) return answer(res, 200, 'duplicate');
  seen.add(key);
  return answer(res, 200, 'processed');
}

const server = http.createServer((req, res) => {
  if (req.url !== route) {
    res.writeHead(404, { 'Content-Length': 0 });
    return res.end();
  }
  if (req.method !== 'POST') return answer(res, 405, 'rejected', 'method not allowed');
  if (!isJson(req.headers['content-type'])) {
    return answer(res, 415, 'rejected', 'unsupported media type');
  }
  const declared = Number(req.headers['content-length'] || 0);
  if (declared > maxBody) return answer(res, 413, 'rejected', 'body too large');

  const chunks = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk) => {
    if (refused) return;
    size += chunk.length;
    if (size > maxBody) {
      refused = true;
      answer(res, 413, 'rejected', 'body too large');
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!refused) handle(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  });
});

server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  process.stderr.write(`node-peer: listening on http://127.0.0.1:${port}${route}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
