// spawn_yield.go: Go twin of spawn_yield.lm. 1M goroutines in 10 rounds of 100k; each
// yields once (runtime.Gosched) and stores i*7+3 in its slot of the round's result slice;
// a sync.WaitGroup joins the round, then the values are folded in index order into the
// same checksum as the Lumen program. (A WaitGroup plus a slice is the cheapest idiomatic
// Go way to join many goroutines; a channel per goroutine, the closer analogue of a
// future, costs more.)
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	const rounds = 10
	const perRound = 100_000
	checksum := int64(0)
	results := make([]int64, perRound)
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		wg.Add(perRound)
		for i := 0; i < perRound; i++ {
			go func(slot int, v int64) {
				runtime.Gosched()
				results[slot] = v*7 + 3
				wg.Done()
			}(i, int64(r*perRound+i))
		}
		wg.Wait()
		for i := 0; i < perRound; i++ {
			checksum = (checksum*31 + results[i]) % 1_000_000_007
		}
	}
	fmt.Println(checksum)
}
