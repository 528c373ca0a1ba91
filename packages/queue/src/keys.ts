/** Redis key names outside BullMQ's own, all under the deployment's prefix. */
export const redisKeys = {
  image: (prefix: string, flowId: string) => `${prefix}:image:${flowId}`,
  jobRecord: (prefix: string, jobId: string) => `${prefix}:job:${jobId}`,
  /** An account's Idempotency-Key (hashed: it is the client's text) -> the job it first created. */
  idempotency: (prefix: string, accountId: string, keyHash: string) => `${prefix}:idem:${accountId}:${keyHash}`,
};

/** The recognition child's job id, derived from its flow (request) id so retries are idempotent. */
export const recognitionJobId = (flowId: string) => `${flowId}-rec`;
