// sleepers.go: Go twin of sleepers.lm. N goroutines (default 100k, or the first
// argument) each sleep 200 ms and store their index in a result slice; a sync.WaitGroup
// joins them and main prints the sum.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	n := 100_000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	results := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			time.Sleep(200 * time.Millisecond)
			results[i] = int64(i)
			wg.Done()
		}(i)
	}
	wg.Wait()
	sum := int64(0)
	for _, v := range results {
		sum += v
	}
	fmt.Println(sum)
}
