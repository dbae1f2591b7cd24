package sigv4

import (
	"net/http"
	"time"

	"github.com/portico-dev/portico/local/access/check"
)

// API Gateway's answers to requests whose SigV4 signature fails, all 403. Sources:
//   - [KC403] AWS knowledge center "How do I troubleshoot HTTP 403 errors from API Gateway?"
//     (repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden): the table of
//     x-amzn-errortype and message for a missing token (MissingAuthenticationTokenException,
//     "Missing Authentication Token"), invalid IAM keys (AccessDeniedException, "The security
//     token included in the request is invalid.") and an expired signature
//     (InvalidSignatureException, "Signature expired").
//   - [KCSIG] AWS knowledge center "How do I troubleshoot signature mismatch errors when making
//     SigV4 signed requests with IAM authentication to API Gateway?" (api-gateway-iam-sigv4-mismatch).
//   - [APIGW-MISMATCH] an execute-api answer quoted in the README of a C# signer
//     (AWS_SigningVer4_C_Sharp): the mismatch message followed by "The Canonical String for this
//     request should have been" and "The String-to-Sign should have been", each quoted.
//   - [APIGW-INCOMPLETE] API Gateway answers quoted in GitHub issues aws/chalice#828 and
//     aws-amplify/amplify-flutter#1539 (403, x-amzn-errortype IncompleteSignatureException,
//     "Authorization header requires 'Credential' parameter. ... Authorization=...") and
//     serverless/serverless#3205 ("'sometoken' not a valid key=value pair (missing equal-sign) in
//     Authorization header: 'Bearer sometoken'.").
//   - [CORAL] the answers of AWS's shared SigV4 front end recorded from DynamoDB in the comments
//     of dynalite's index.js (early version): the order of the checks and the messages for a
//     malformed date, host not signed, an unsupported algorithm, a malformed credential, a wrong
//     scope (the four sentences joined), and "Signature expired: ... (... - 15 min.)", whose
//     API Gateway form with 5 min. is quoted in [KC403]'s sources and in the IAM guide's
//     "Troubleshoot signed requests for AWS APIs" (signature-v4-troubleshooting.html), which
//     also gives "Signature not yet current: date is still later than date".
// Gateway response types (supported-gateway-response-types.html) are chosen by the error type:
// INVALID_SIGNATURE, EXPIRED_TOKEN ("AWS authentication token expired"), ACCESS_DENIED,
// MISSING_AUTHENTICATION_TOKEN; the README's Known differences list these choices.

const by = "IAM (SigV4)"

// msgMismatch is the start of the signature-mismatch message [KCSIG], [APIGW-MISMATCH].
const msgMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// missingToken answers a request without any signature [KC403].
func missingToken() *check.Denial {
	return &check.Denial{Status: http.StatusForbidden, Message: "Missing Authentication Token", Type: "MissingAuthenticationTokenException",
		ResponseType: "MISSING_AUTHENTICATION_TOKEN", By: by, Reason: "no Authorization header and no X-Amz-Signature"}
}

// incomplete answers a signature that lacks a part or is malformed [APIGW-INCOMPLETE], [CORAL].
func incomplete(msg, reason string) *check.Denial {
	return &check.Denial{Status: http.StatusForbidden, Message: msg, Type: "IncompleteSignatureException",
		ResponseType: "INVALID_SIGNATURE", By: by, Reason: reason}
}

// missingEqualSign answers an Authorization header with a part that is not key=value
// [APIGW-INCOMPLETE].
func missingEqualSign(part, auth string) *check.Denial {
	return incomplete("'"+part+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+auth+"'.",
		"Authorization part "+quote(part)+" is not key=value")
}

// invalidSignature answers a well-formed signature that cannot be right [CORAL].
func invalidSignature(msg, reason string) *check.Denial {
	return &check.Denial{Status: http.StatusForbidden, Message: msg, Type: "InvalidSignatureException",
		ResponseType: "INVALID_SIGNATURE", By: by, Reason: reason}
}

// mismatch answers a signature that differs from the one recomputed; canonical, when known,
// is the canonical request and string to sign the cloud appends [APIGW-MISMATCH].
func mismatch(canonical, reason string) *check.Denial {
	return invalidSignature(msgMismatch+canonical, reason)
}

// expired answers a signing time before the window [KC403], [CORAL]; window is "5 min." or,
// for a presigned request, its X-Amz-Expires in seconds (Portico's wording).
func expired(t, earliest, now time.Time, window string) *check.Denial {
	d := invalidSignature("Signature expired: "+t.Format(timeFormat)+" is now earlier than "+earliest.Format(timeFormat)+
		" ("+now.Format(timeFormat)+" - "+window+")", "signed at "+t.Format(timeFormat)+", now "+now.Format(timeFormat))
	d.ResponseType = "EXPIRED_TOKEN"
	return d
}

// notYetCurrent answers a signing time more than 5 minutes ahead [CORAL].
func notYetCurrent(t, latest, now time.Time) *check.Denial {
	d := invalidSignature("Signature not yet current: "+t.Format(timeFormat)+" is still later than "+latest.Format(timeFormat)+
		" ("+now.Format(timeFormat)+" + 5 min.)", "signed at "+t.Format(timeFormat)+", now "+now.Format(timeFormat))
	d.ResponseType = "EXPIRED_TOKEN"
	return d
}

// invalidToken answers an unknown access key or a session token that is missing, wrong or
// unexpected [KC403].
func invalidToken(reason string) *check.Denial {
	return &check.Denial{Status: http.StatusForbidden, Message: "The security token included in the request is invalid.",
		Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: by, Reason: reason}
}
