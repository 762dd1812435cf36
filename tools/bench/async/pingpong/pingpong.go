// pingpong.go: Go twin of pingpong.lm. 1M round trips between main and a ponger
// goroutine over two channels of capacity 1: main sends i on ping, the ponger answers
// i+1 on pong. Prints the ponger's count and the sum of the answers.
package main

import "fmt"

func ponger(ping <-chan int64, pong chan<- int64, n int, done chan<- int) {
	count := 0
	for i := 0; i < n; i++ {
		m := <-ping
		pong <- m + 1
		count++
	}
	done <- count
}

func main() {
	const n = 1_000_000
	ping := make(chan int64, 1)
	pong := make(chan int64, 1)
	done := make(chan int, 1)
	go ponger(ping, pong, n, done)
	sum := int64(0)
	for i := 0; i < n; i++ {
		ping <- int64(i)
		sum += <-pong
	}
	count := <-done
	fmt.Println(count, sum)
}
