/**
 * @module Child-process client for the cloud e2e tests: the official OpenAI SDK with its default
 * fetch, routed by HTTPS_PROXY + DENO_CERT from `halton-meter env`. Sends `count` chat requests
 * attributed to `project` (header `X-Halton-Project`); `promptChars` pads the prompt so a request
 * body can exceed the body-upload cap. Prints `{"ok":n}`.
 *
 * Usage: deno run <flags> cloud_client.ts <project> <count> [promptChars]
 */
import OpenAI from "openai";

/** The API key the test greps for: it must never reach the server. */
export const CLOUD_SECRET_KEY = "sk-test-openai-CLOUDSECRET0123456789";

async function main(): Promise<void> {
  const [project, countArg, padArg] = Deno.args;
  const count = Number(countArg ?? "1");
  const pad = Number(padArg ?? "0");
  const openai = new OpenAI({
    apiKey: CLOUD_SECRET_KEY,
    maxRetries: 0,
    defaultHeaders: { "X-Halton-Project": project },
  });
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const r = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{
        role: "user",
        content: "Say hi in Portuguese" + " please".repeat(Math.ceil(pad / 7)),
      }],
    });
    if (r.usage) ok++;
  }
  console.log(JSON.stringify({ ok }));
}

if (import.meta.main) await main();
