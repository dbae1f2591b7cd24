package hello_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/functions/hello"
	"github.com/portico-dev/portico/functions/internal/fixture"
)

func TestHandle(t *testing.T) {
	request := fixture.Load[events.APIGatewayProxyRequest](t, "request.json")
	tests := []struct {
		name  string
		query map[string]string
		want  hello.Response
	}{
		{name: "named caller", query: request.QueryStringParameters, want: hello.Response{Message: "Hi, Ada!", Stage: "prod"}},
		{name: "no name", query: nil, want: hello.Response{Message: "Hi, world!", Stage: "prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request
			req.QueryStringParameters = tt.query
			resp, err := hello.Handler{Greeting: "Hi"}.Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "application/json" {
				t.Fatalf("status %d headers %v, want 200 application/json", resp.StatusCode, resp.Headers)
			}
			var got hello.Response
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func ExampleHandler_Handle() {
	req := events.APIGatewayProxyRequest{QueryStringParameters: map[string]string{"name": "Grace"}}
	resp, _ := hello.Handler{Greeting: "Hello"}.Handle(context.Background(), req)
	fmt.Println(resp.StatusCode, resp.Body)
	// Output: 200 {"message":"Hello, Grace!","stage":""}
}
