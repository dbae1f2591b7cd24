package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// reply is a mapped integration response.
type reply struct {
	status  int
	headers http.Header
	body    []byte
}

// proxyResponse is the Lambda proxy response format (1.0, and 2.0 when statusCode is set).
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// mapV1 maps a payload 1.0 response. REST rejects unknown fields and a missing statusCode;
// isBase64Encoded bodies are decoded only when the request's Accept header names one of the
// API's binary media types (REST) or always (HTTP API).
func mapV1(x *Exchange, payload []byte) (*reply, error) {
	var resp proxyResponse
	dec := json.NewDecoder(bytes.NewReader(payload))
	if x.API.Kind == REST {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&resp); err != nil {
		return nil, &malformedResponse{reason: err.Error()}
	}
	if resp.StatusCode == nil {
		return nil, &malformedResponse{reason: "no statusCode"}
	}
	if resp.Cookies != nil && x.API.Kind == REST {
		return nil, &malformedResponse{reason: "unknown field \"cookies\""}
	}
	decode := resp.IsBase64Encoded && (x.API.Kind == HTTP || acceptsBinary(x))
	return build(resp, decode)
}

// acceptsBinary reports whether a REST API decodes an isBase64Encoded answer: when the first
// media type of the request's Accept header matches a binaryMediaTypes entry, whatever the
// answer's Content-Type ("Binary media types for REST APIs": "API Gateway uses the first Accept
// header"; LocalStack's AWS-run test_apigateway_lambda.py::test_aws_proxy_binary_response).
func acceptsBinary(x *Exchange) bool {
	first, _, _ := strings.Cut(x.Request.Header.Get("Accept"), ",")
	return mediaTypeIn(first, x.API.BinaryMediaTypes)
}

// mapV2 maps a payload 2.0 response: an object with statusCode is a proxy response; any other
// valid JSON is a 200 application/json whose body is that JSON.
func mapV2(payload []byte) (*reply, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) == nil && probe["statusCode"] != nil {
		var resp proxyResponse
		if err := json.Unmarshal(payload, &resp); err != nil {
			return nil, &malformedResponse{reason: err.Error()}
		}
		return build(resp, resp.IsBase64Encoded)
	}
	if !json.Valid(payload) {
		return nil, &malformedResponse{reason: "response is not JSON"}
	}
	body := payload
	var s string
	if json.Unmarshal(payload, &s) == nil {
		body = []byte(s)
	}
	return &reply{status: http.StatusOK, headers: http.Header{"Content-Type": {"application/json"}}, body: body}, nil
}

func build(resp proxyResponse, decode bool) (*reply, error) {
	status := *resp.StatusCode
	if status < 100 || status > 599 {
		return nil, &malformedResponse{reason: fmt.Sprintf("statusCode %d", status)}
	}
	h := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		if _, ok := h[http.CanonicalHeaderKey(k)]; !ok {
			h.Set(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	var body []byte
	if resp.Body != nil {
		body = []byte(*resp.Body)
	}
	if decode {
		raw, err := base64.StdEncoding.DecodeString(string(body))
		if err != nil {
			return nil, &malformedResponse{reason: "isBase64Encoded body is not base64: " + err.Error()}
		}
		body = raw
	}
	return &reply{status: status, headers: h, body: body}, nil
}
