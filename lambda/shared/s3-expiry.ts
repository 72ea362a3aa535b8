const DAY_MS = 86_400_000;

/**
 * When an S3 lifecycle rule of `days` expires an object created at `createdAt`: S3 "calculates the
 * time by adding the number of days specified in the rule to the object creation time and rounding the
 * resulting time to the next day midnight UTC" (S3 user guide, "Lifecycle configuration elements").
 * S3 removes it some time after; from then on a GET may find nothing.
 */
export function lifecycleExpiry(createdAt: number, days: number): number {
  return (Math.floor((createdAt + days * DAY_MS) / DAY_MS) + 1) * DAY_MS;
}
