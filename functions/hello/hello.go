// Package hello is the sample handler: it greets the caller of a REST (payload v1) route.
package hello

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Handler answers GET /hello?name=... with a JSON greeting.
type Handler struct {
	// Greeting starts every message, e.g. "Hello".
	Greeting string
}

// Response is the JSON body of a greeting.
type Response struct {
	Message string `json:"message"`
	Stage   string `json:"stage"`
}

// Handle greets the name in the query string, or "world".
func (h Handler) Handle(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	name := req.QueryStringParameters["name"]
	if name == "" {
		name = "world"
	}
	body, err := json.Marshal(Response{Message: h.Greeting + ", " + name + "!", Stage: req.RequestContext.Stage})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}
