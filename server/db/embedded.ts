/** @module Embedded PGlite served over a loopback socket, so the same postgres.js code runs on it. */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A running embedded database: a postgres:// URL on loopback plus a way to stop it. */
export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Opens (or creates) PGlite under `dataDir` and serves it on an ephemeral loopback port. */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  await Deno.mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(":").pop());
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
