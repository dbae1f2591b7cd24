// Command probe is the test handler behind the gateway's fixture assembly: it echoes the event
// it received and misbehaves on request (query parameter "do"), so end-to-end tests can check
// events, response mapping and failure handling against a real process.
//
// A request header x-probe-respond (any case) holds a Lambda response payload in base64: the
// probe returns it verbatim, so conformance cases can send the responses captured on AWS.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Echo is the body of the default response.
type Echo struct {
	Event       json.RawMessage   `json:"event"`
	InvokedARN  string            `json:"invokedArn"`
	RequestID   string            `json:"requestId"`
	Env         map[string]string `json:"env"`
	HasDeadline bool              `json:"hasDeadline"`
}

func handle(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var ev struct {
		Headers map[string]string `json:"headers"`
		Query   map[string]string `json:"queryStringParameters"`
		Body    string            `json:"body"`
		B64     bool              `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	if payload, ok := respondWith(ev.Headers); ok {
		return payload, nil
	}
	switch ev.Query["do"] {
	case "raw": // an HTTP API infers a 200 JSON response
		return json.RawMessage(`{"inferred":true,"n":[1,2]}`), nil
	case "string":
		return json.RawMessage(`"just a string"`), nil
	case "mvh":
		return json.RawMessage(`{"statusCode":201,"headers":{"X-Single":"one","Content-Type":"text/plain"},"multiValueHeaders":{"X-Multi":["a","b"],"Set-Cookie":["c1=1","c2=2"]},"body":"multi"}`), nil
	case "cookies":
		return json.RawMessage(`{"statusCode":200,"cookies":["c1=1","c2=2"],"headers":{"content-type":"text/plain"},"body":"cookies"}`), nil
	case "binary":
		body := base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xfe, 0xff})
		return json.RawMessage(`{"statusCode":200,"headers":{"Content-Type":"application/octet-stream"},"isBase64Encoded":true,"body":"` + body + `"}`), nil
	case "echobody": // returns the request body exactly as it arrived
		b, _ := json.Marshal(map[string]any{"statusCode": 200, "isBase64Encoded": ev.B64, "body": ev.Body, "headers": map[string]string{"Content-Type": "application/octet-stream"}})
		return b, nil
	case "malformed":
		return json.RawMessage(`{"statusCode":"two hundred","body":{"not":"a string"}}`), nil
	case "notjson":
		return json.RawMessage(`this is not json`), nil
	case "log":
		fmt.Println("to stdout")
		fmt.Fprint(os.Stderr, "to stderr in ")
		fmt.Fprintln(os.Stderr, "two writes")
	case "error":
		return nil, errors.New("handler said no")
	case "panic":
		panic("probe panicked")
	case "exit":
		os.Exit(3)
	case "sleep": // ignores the deadline, as a stuck handler would
		ms, _ := strconv.Atoi(ev.Query["ms"])
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, hasDeadline := ctx.Deadline()
	echo := Echo{Event: raw, InvokedARN: lc.InvokedFunctionArn, RequestID: lc.AwsRequestID, HasDeadline: hasDeadline, Env: map[string]string{}}
	for _, k := range []string{"GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "TZ", "_LAMBDA_SERVER_PORT",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		if v, ok := os.LookupEnv(k); ok {
			echo.Env[k] = v
		}
	}
	body, err := json.Marshal(echo)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "application/json"}, "body": string(body)})
}

// respondWith decodes the payload of an x-probe-respond header, whatever the case of its name.
func respondWith(headers map[string]string) (json.RawMessage, bool) {
	for name, value := range headers {
		if strings.EqualFold(name, "x-probe-respond") {
			b, err := base64.StdEncoding.DecodeString(value)
			return b, err == nil
		}
	}
	return nil, false
}

func main() { lambda.Start(handle) }
