// Real HTTP/2 and gRPC peers for the live agent tests, each in its own process so the agent
// can trace it by pid (run by plain node). Modes:
//   h2c-server                  node:http2 cleartext server on 127.0.0.1:0
//   h2-tls-server <cert> <key>  node:http2 secure server (ALPN h2 only) on 127.0.0.1:0
//   h2c-client <port> <req>…    after "go" on stdin, sends the requests concurrently on one
//                               connection (prior knowledge); a request is METHOD:/path
//   grpc-server                 @grpc/grpc-js server of metaflow.demo.Greeter on 127.0.0.1:0
//   grpc-client <port> <call>…  after "go" on stdin, makes the calls one after another on one
//                               channel; a call is Method:name (SayHello:ann, Lookup:bob)
// Servers answer by path: /missing… 404, /fail… 500, else 200. Greeter.SayHello always
// succeeds (a 6000-byte reply, 60 ms late, for names starting "big", which the client reads
// in one go); Greeter.Lookup knows "ann", fails "crash" with INTERNAL, else NOT_FOUND.
// Prints one JSON line: {port} for servers, {codes: [status per request or call]} for clients.
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { say, waitForGo } from './peer-io.mjs';

const [mode, ...args] = process.argv.slice(2);

// The service is defined in code (no .proto file, no codegen): real protobuf messages.
const messages = protobuf.Root.fromJSON({
  nested: {
    HelloRequest: { fields: { name: { type: 'string', id: 1 } } },
    HelloReply: { fields: { message: { type: 'string', id: 1 } } },
  },
});
const HelloRequest = messages.lookupType('HelloRequest');
const HelloReply = messages.lookupType('HelloReply');
const codec = (type) => ({
  serialize: (o) => Buffer.from(type.encode(type.fromObject(o)).finish()),
  deserialize: (b) => type.toObject(type.decode(b)),
});
const unary = (name) => ({
  path: `/metaflow.demo.Greeter/${name}`, requestStream: false, responseStream: false,
  requestSerialize: codec(HelloRequest).serialize, requestDeserialize: codec(HelloRequest).deserialize,
  responseSerialize: codec(HelloReply).serialize, responseDeserialize: codec(HelloReply).deserialize,
});
const GREETER = { SayHello: unary('SayHello'), Lookup: unary('Lookup') };

function h2Handler(req, res) {
  const code = req.url.startsWith('/missing') ? 404 : req.url.startsWith('/fail') ? 500 : 200;
  req.resume();
  req.on('end', () => {
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(`status ${code}\n`);
  });
}

function listen(server) {
  server.listen(0, '127.0.0.1', () => say({ port: server.address().port }));
}

if (mode === 'h2c-server') {
  listen(http2.createServer(h2Handler));
} else if (mode === 'h2-tls-server') {
  listen(http2.createSecureServer({ cert: readFileSync(args[0]), key: readFileSync(args[1]), allowHTTP1: false }, h2Handler));
} else if (mode === 'h2c-client') {
  const [port, ...requests] = args;
  await waitForGo();
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const codes = await Promise.all(requests.map((r) => new Promise((resolve, reject) => {
    const [method, path] = r.split(':');
    const req = session.request({ ':method': method, ':path': path });
    req.on('response', (headers) => resolve(headers[':status']));
    req.on('error', reject);
    req.resume();
    req.end(method === 'POST' ? 'payload' : undefined);
  })));
  session.close();
  say({ codes });
} else if (mode === 'grpc-server') {
  const server = new grpc.Server();
  server.addService(GREETER, {
    // "big…" gets, after 60 ms, a reply larger than the agent copies of one payload (1 KiB).
    SayHello: (call, done) => {
      if (call.request.name.startsWith('big')) setTimeout(() => done(null, { message: 'x'.repeat(6000) }), 60);
      else done(null, { message: `hello ${call.request.name}` });
    },
    Lookup: (call, done) => {
      const name = call.request.name;
      if (name === 'ann') done(null, { message: 'ann is here' });
      else if (name === 'crash') done({ code: grpc.status.INTERNAL, details: 'lookup crashed' });
      else done({ code: grpc.status.NOT_FOUND, details: `no user ${name}` });
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    say({ port });
  });
} else if (mode === 'grpc-client') {
  const [port, ...calls] = args;
  const Greeter = grpc.makeGenericClientConstructor(GREETER, 'Greeter');
  const client = new Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  await waitForGo();
  const codes = [];
  for (const call of calls) {
    const [method, name] = call.split(':');
    const done = new Promise((resolve) => client[method]({ name }, (err) => resolve(err ? err.code : grpc.status.OK)));
    // For a big reply the client sleeps (blocking, not reading) while the server answers, so
    // it reads headers, data and trailers in one syscall, as a busy client does.
    if (name.startsWith('big')) setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150), 20);
    codes.push(await done);
  }
  client.close();
  say({ codes });
} else {
  throw new Error(`unknown mode ${mode}`);
}
