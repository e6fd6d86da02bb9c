/**
 * The messages of a run's live WebSocket (`/api/v1/executions/{id}/ws`), for the OpenAPI document:
 * OpenAPI has no words for a socket, so the route's 101 answer carries them as its content.
 */
import { z } from "zod";
import { ExecutionSchema, Json } from "./execution-schemas";

export const ExecutionEventSchema = z
  .object({
    seq: z.number().int().meta({ description: "Position in the run's event log; never renumbered, shared with the logs' seq" }),
    at: z.string(),
    type: z.string().meta({
      description:
        "execution.started|waiting|resumed|completed|failed|cancelled, step.started|completed|failed|retrying|waiting|resumed, or log",
    }),
    node_id: z.string().nullable(),
    data: Json,
  })
  .meta({ id: "ExecutionEvent" });

const EphemeralEventSchema = z.object({ type: z.string(), node_id: z.string(), at: z.string(), data: Json });

export const SocketServerMessageSchema = z
  .discriminatedUnion("type", [
    z
      .object({ type: z.literal("snapshot"), execution: ExecutionSchema })
      .meta({ description: "First message: the run as GET /executions/{id} shows it" }),
    z
      .object({ type: z.literal("event"), event: ExecutionEventSchema })
      .meta({ description: "A recorded event: replayed after the snapshot, then live" }),
    z
      .object({ type: z.literal("replayed"), cursor: z.number().int() })
      .meta({ description: "The replay is over; cursor is the seq of the last replayed event (or the given after)" }),
    z
      .object({ type: z.literal("ephemeral"), event: EphemeralEventSchema })
      .meta({ description: "A live-only event (progress, llm.delta): no seq, never replayed" }),
    z.object({ type: z.literal("pong"), time: z.string() }).meta({ description: 'The answer to {"type": "ping"}' }),
    z.object({ type: z.literal("error"), message: z.string() }).meta({ description: "A message from the client that is not JSON" }),
  ])
  .meta({ id: "SocketServerMessage", description: "One text message from the server, JSON" });
