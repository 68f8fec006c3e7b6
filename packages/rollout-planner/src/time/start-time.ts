/**
 * The start time an approved task keeps: the later of the deployment's requested start time (the admin's schedule)
 * and the approver's own (epoch ms; null or undefined: none). An approver may postpone the admin's schedule, never
 * advance it; approving without a time keeps the deployment's.
 */
export function effectiveStartTime(
  deploymentStart: number | null | undefined,
  approverStart: number | null | undefined,
): number | null {
  const d = deploymentStart ?? null;
  const a = approverStart ?? null;
  if (d === null) return a;
  if (a === null) return d;
  return Math.max(d, a);
}
