import { z } from 'zod';

/** RFC 9457 problem details, as every GCC error is answered. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  request_id: z.string().optional(),
});
/** RFC 9457 problem details. */
export type Problem = z.infer<typeof ProblemSchema>;
