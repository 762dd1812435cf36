// parallel_sleep.go: Go twin of parallel_sleep.lm. One goroutine per item of 0..10k;
// each sleeps 10 ms and stores 2*item at its index; a sync.WaitGroup joins them (the
// results stay in input order, like `parallel for`). Prints the count and the sum.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	const n = 10_000
	items := make([]int64, n)
	for i := range items {
		items[i] = int64(i)
	}
	results := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i, x := range items {
		go func(i int, x int64) {
			time.Sleep(10 * time.Millisecond)
			results[i] = x * 2
			wg.Done()
		}(i, x)
	}
	wg.Wait()
	sum := int64(0)
	for _, v := range results {
		sum += v
	}
	fmt.Println(len(results), sum)
}
