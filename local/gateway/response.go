package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
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
	StatusCode        *statusCode              `json:"statusCode"`
	Headers           map[string]headerValue   `json:"headers"`
	MultiValueHeaders map[string][]headerValue `json:"multiValueHeaders"`
	Cookies           []string                 `json:"cookies"`
	Body              *string                  `json:"body"`
	IsBase64Encoded   bool                     `json:"isBase64Encoded"`
}

// statusCode is a status given as a JSON number or as a string of digits ("201").
type statusCode int

func (c *statusCode) UnmarshalJSON(b []byte) error {
	text := string(b)
	if s, err := strconv.Unquote(text); err == nil {
		text = s
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return fmt.Errorf("statusCode %s is not an integer or a string of digits", b)
	}
	*c = statusCode(n)
	return nil
}

// headerValue is a header value given as a JSON string or boolean (true -> "true").
type headerValue string

func (v *headerValue) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		return nil
	case "true", "false":
		*v = headerValue(b)
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		return fmt.Errorf("header value %s is not a string or a boolean", b)
	}
	return json.Unmarshal(b, (*string)(v))
}

// mapV1 maps a payload 1.0 response. Every field is optional on REST (statusCode defaults to
// 200) but unknown fields and an empty object are refused (LocalStack's AWS-validated
// test_aws_proxy_response_payload_format_validation: {"headers":{...}} answers 200, {} 502);
// HTTP APIs ignore unknown fields but need statusCode.
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
	if resp.StatusCode == nil && x.API.Kind == HTTP {
		return nil, &malformedResponse{reason: "no statusCode"}
	}
	if x.API.Kind == REST && resp.StatusCode == nil && resp.Body == nil && emptyObject(payload) {
		return nil, &malformedResponse{reason: "empty response object"}
	}
	if resp.Cookies != nil && x.API.Kind == REST {
		return nil, &malformedResponse{reason: "unknown field \"cookies\""}
	}
	if x.API.Kind == HTTP {
		return build(resp, resp.IsBase64Encoded, httpContentType)
	}
	return build(resp, resp.IsBase64Encoded && acceptsBinary(x), "application/json")
}

// emptyObject reports whether payload is a JSON object without a single field.
func emptyObject(payload []byte) bool {
	var fields map[string]json.RawMessage
	return json.Unmarshal(payload, &fields) == nil && fields != nil && len(fields) == 0
}

// httpContentType is what HTTP APIs answer when the response names no Content-Type.
const httpContentType = "text/plain; charset=utf-8"

// acceptsBinary reports whether a REST API decodes an isBase64Encoded answer: when the first
// media type of the request's Accept header matches a binaryMediaTypes entry, whatever the
// answer's Content-Type ("Binary media types for REST APIs": "API Gateway uses the first Accept
// header"; LocalStack's AWS-run test_apigateway_lambda.py::test_aws_proxy_binary_response).
func acceptsBinary(x *Exchange) bool {
	first, _, _ := strings.Cut(x.Request.Header.Get("Accept"), ",")
	return mediaTypeIn(first, x.API.BinaryMediaTypes)
}

// mapV2 maps a payload 2.0 response: an object with statusCode is a proxy response; an object
// with errorMessage and no statusCode is a function error; any other valid JSON is a 200
// application/json whose body is that JSON.
func mapV2(payload []byte) (*reply, error) {
	var probe map[string]json.RawMessage
	_ = json.Unmarshal(payload, &probe) // stays nil unless the payload is a JSON object
	if probe["statusCode"] != nil {
		var resp proxyResponse
		if err := json.Unmarshal(payload, &resp); err != nil {
			return nil, &malformedResponse{reason: err.Error()}
		}
		return build(resp, resp.IsBase64Encoded, httpContentType)
	}
	if probe["errorMessage"] != nil {
		return nil, &malformedResponse{reason: "errorMessage without statusCode"}
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

// build makes the reply: status 200 unless given; multiValueHeaders and headers merged, a
// header named in both keeping the multiValueHeaders values and then the headers value unless
// it repeats one of them; contentType unless the response names one.
func build(resp proxyResponse, decode bool, contentType string) (*reply, error) {
	status := http.StatusOK
	if resp.StatusCode != nil {
		status = int(*resp.StatusCode)
	}
	if status < 100 || status > 599 {
		return nil, &malformedResponse{reason: fmt.Sprintf("statusCode %d", status)}
	}
	h := http.Header{}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, string(v))
		}
	}
	for k, v := range resp.Headers {
		if !slices.Contains(h.Values(k), string(v)) {
			h.Add(k, string(v))
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
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
