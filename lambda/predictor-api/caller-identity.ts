import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { RESULTS_MAIL_OPT_OUT } from '../../constructs/contracts/predictor';
import type { Uploader } from '../shared/results-table';
import * as z from '../shared/zod';
import { ApiError } from './http-response';

// Cognito's `sub` is a UUID and a mail path at most 256 octets with its angle brackets (RFC 5321); the
// bounds keep a malformed claim out of the index's partition key, which DynamoDB caps at 2048 bytes.
const claimText = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

// The claims of the ID token the site sends: `email` is in Cognito ID tokens (with the `email` scope)
// and never in access tokens ("Understanding the identity (ID) token", Cognito developer guide).
// `custom:results_mail` is the user pool's opt-out attribute: Cognito puts custom attributes the app
// client may read into the ID token ("Understanding the identity (ID) token"); `off` stops the mail.
const claims = z.object({
  sub: claimText(255),
  email: claimText(254),
  [RESULTS_MAIL_OPT_OUT.claim]: z.optional(z.string()),
});

// Where a JWT authorizer puts the token's claims in a payload format 2.0 event: requestContext →
// authorizer → jwt → claims (API Gateway developer guide, "Create AWS Lambda proxy integrations for
// HTTP APIs in API Gateway", payload format 2.0 example).
const authorizedContext = z.object({ authorizer: z.object({ jwt: z.object({ claims }) }) });

/**
 * The signed-in person behind a browser request, from the claims the JWT authorizer validated.
 * API Gateway rejects a request without a valid token before the function runs, so missing claims
 * mean a route without the authorizer or an access token: answered 401, never a fault.
 */
export function callerOf(event: APIGatewayProxyEventV2): Uploader {
  return identityFrom(event.requestContext);
}

/** {@link callerOf} for any request context: a valid identity, or an UNAUTHORIZED {@link ApiError}. */
export function identityFrom(requestContext: unknown): Uploader {
  const parsed = authorizedContext.safeParse(requestContext);
  if (!parsed.success) {
    throw new ApiError(
      'UNAUTHORIZED',
      'This route needs the signed-in user: send the Cognito ID token (with its sub and email claims) as "Authorization: Bearer <token>".',
    );
  }
  const { sub, email, [RESULTS_MAIL_OPT_OUT.claim]: resultsMail } = parsed.data.authorizer.jwt.claims;
  return { sub, email, ...(resultsMail === RESULTS_MAIL_OPT_OUT.off && { notify: false }) };
}
