// kstatus-check prints the kstatus status (Current, InProgress, Failed, ...) that Flux and
// the cli-utils tooling compute for the Kubernetes object read from standard input (YAML
// or JSON). The first line of output is the status; the second the message, if any.
package main

import (
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kstatus-check: reading stdin: %v\n", err)
		os.Exit(2)
	}
	// YAML to JSON, then the apimachinery decoder, so that integers stay int64 as they do
	// for objects read from the API server.
	document, err := yaml.YAMLToJSON(input)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kstatus-check: parsing the object: %v\n", err)
		os.Exit(2)
	}
	object := &unstructured.Unstructured{}
	if err := object.UnmarshalJSON(document); err != nil {
		fmt.Fprintf(os.Stderr, "kstatus-check: decoding the object: %v\n", err)
		os.Exit(2)
	}
	result, err := status.Compute(object)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kstatus-check: computing the status: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(result.Status)
	if result.Message != "" {
		fmt.Println(result.Message)
	}
}
