/** Errors the API answers with, in the JSON:API shape: `{errors: [{status, title, detail, source}]}`. */

export interface JsonApiErrorObject {
  readonly status: string;
  readonly title: string;
  readonly detail?: string;
  readonly source?: { readonly parameter?: string; readonly pointer?: string };
}

export interface JsonApiErrorDocument {
  readonly errors: readonly JsonApiErrorObject[];
}

/** An answer other than 2xx that the client caused or may act on; its message is safe to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly source?: JsonApiErrorObject['source'],
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  toDocument(): JsonApiErrorDocument {
    return { errors: [{ status: String(this.status), title: this.title, detail: this.message, ...(this.source ? { source: this.source } : {}) }] };
  }
}

/** A query parameter that cannot be used: 400, naming it. */
export class ParameterError extends ApiError {
  constructor(
    readonly parameter: string,
    detail: string,
  ) {
    super(400, 'Invalid query parameter', `${parameter}: ${detail}`, { parameter });
    this.name = 'ParameterError';
  }
}

export const errorDocument = (status: number, title: string, detail?: string): JsonApiErrorDocument => ({
  errors: [{ status: String(status), title, ...(detail === undefined ? {} : { detail }) }],
});
