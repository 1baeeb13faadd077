// A frontend's calls, written against the types openapi-typescript generates from the spec.
// `tsc --strict` compiles it (nothing runs): if the spec stops describing these calls, or stops
// requiring If-Match where the server answers 428 without it, compilation fails.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/schema.js";

type Team = components["schemas"]["TeamRead"];

export async function walkThrough(baseUrl: string, email: string, password: string): Promise<Team> {
  const api = createClient<paths>({ baseUrl });

  // The token endpoint takes a form (OAuth 2.0), not JSON; openapi-fetch encodes it as one
  // when told the content type.
  const token = await api.POST("/api/v1/auth/token", {
    body: { grant_type: "password", username: email, password },
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (token.data === undefined) {
    throw new Error(`sign-in refused: ${JSON.stringify(token.error)}`);
  }
  api.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token.data.access_token}`);
      return request;
    },
  });

  // A list, filtered and paginated.
  const teams = await api.GET("/api/v1/teams", { params: { query: { status: "active", limit: 10 } } });
  if (teams.data === undefined) {
    throw new Error(teams.error.detail ?? teams.error.title);
  }
  const first: Team | undefined = teams.data.items[0];
  const nextCursor: string | null = teams.data.next_cursor;
  if (first === undefined) {
    throw new Error(`no active team on this page (next cursor: ${nextCursor})`);
  }

  // A create.
  const created = await api.POST("/api/v1/teams", {
    body: {
      collaborative_id: first.collaborative_id,
      name: "Ward 7 wellbeing",
      organisation_ids: first.organisation_ids,
    },
  });
  if (created.data === undefined) {
    throw new Error(created.error.detail ?? created.error.title);
  }
  const etag = created.response.headers.get("ETag");
  if (etag === null) {
    throw new Error("a created team comes with its ETag");
  }

  // A change: the same path and body, with and without the version it was made against.
  const path = { team_id: created.data.id };
  const body = { name: "Ward 7 staff wellbeing" };
  const renamed = await api.PATCH("/api/v1/teams/{team_id}", {
    params: { path, header: { "if-match": etag } },
    body,
  });
  // @ts-expect-error If-Match is required: the server answers 428 without it, so this must not compile.
  await api.PATCH("/api/v1/teams/{team_id}", { params: { path }, body });

  if (renamed.data === undefined) {
    throw new Error(renamed.error.detail ?? renamed.error.title);
  }
  return renamed.data;
}
