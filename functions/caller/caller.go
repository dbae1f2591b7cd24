// Package caller is the sample same-account IAM caller: an HTTP API (payload 2.0) handler that
// calls an IAM-authorized route of another API, signing the request with SigV4 and the
// credentials of its environment (on Lambda, its execution role's), as any AWS SDK client does.
package caller

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TargetURLEnv names the environment variable that holds the URL of the IAM route to call, e.g.
// https://{apiId}.execute-api.{region}.amazonaws.com/prod/iam/hello.
const TargetURLEnv = "CALLER_TARGET_URL"

// Service is the signing name of API Gateway's execute-api endpoints.
const Service = "execute-api"

// emptyPayloadHash is the hex SHA-256 of an empty body, which a GET signs.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// maxBody is the most of the target's answer the handler reads and relays.
const maxBody = 64 << 10

// Handler calls Target with a GET signed for Service in Region.
type Handler struct {
	Target      string
	Region      string
	Credentials aws.CredentialsProvider
	Signer      *v4.Signer
	Client      *http.Client
}

// New returns the Handler that calls target with cfg's region and credentials.
func New(cfg aws.Config, target string, client *http.Client) (Handler, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Handler{}, fmt.Errorf("%s must be an absolute https:// URL like https://{apiId}.execute-api.{region}.amazonaws.com/{stage}/{path} (http:// for a local gateway), got %q", TargetURLEnv, target)
	}
	if cfg.Region == "" {
		return Handler{}, fmt.Errorf("no AWS region to sign for: set AWS_REGION (Lambda sets it)")
	}
	return Handler{Target: target, Region: cfg.Region, Credentials: cfg.Credentials, Signer: v4.NewSigner(), Client: client}, nil
}

// Result is the JSON body of the handler's answer: what the target answered.
type Result struct {
	Target string `json:"target"`
	Status int    `json:"status,omitempty"`
	Body   string `json:"body,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Handle calls the target and answers 200 with its status and body when it succeeded (2xx), and
// 502 otherwise.
func (h Handler) Handle(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	res := Result{Target: h.Target}
	status, body, err := h.call(ctx)
	res.Status, res.Body = status, body
	if err != nil {
		res.Error = err.Error()
	}
	code := http.StatusOK
	if err != nil || status < 200 || status > 299 {
		code = http.StatusBadGateway
	}
	out, err := json.Marshal(res)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: code,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(out),
	}, nil
}

// call sends the signed GET and returns the target's status and body.
func (h Handler) call(ctx context.Context) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.Target, nil)
	if err != nil {
		return 0, "", err
	}
	creds, err := h.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("credentials: %w", err)
	}
	if err := h.Signer.SignHTTP(ctx, creds, req, emptyPayloadHash, Service, h.Region, time.Now()); err != nil {
		return 0, "", fmt.Errorf("signing: %w", err)
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, string(body), err
}
