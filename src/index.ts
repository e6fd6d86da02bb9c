export default {
  fetch(): Response {
    return Response.json({ status: "ok" });
  },
};
export class RateLimiter {}
