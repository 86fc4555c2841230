package bench

import (
	"math/bits"
	"time"
)

// histogram counts durations in log-linear buckets: exact below 64 ns, and
// within 1/32 (about 3%) above, so that every one of millions of Token calls
// is recorded without keeping them all. It is not safe for concurrent use:
// each goroutine keeps its own and they are merged at the end.
type histogram struct {
	counts [64][64]uint64 // [shift][mantissa]: values mantissa<<shift ... (mantissa+1)<<shift - 1
	n      uint64
	sum    float64
	max    int64
}

func bucketOf(v int64) (shift, mant int) {
	if v < 64 {
		return 0, int(v)
	}
	shift = bits.Len64(uint64(v)) - 6
	return shift, int(v >> shift) // 32..63
}

func (h *histogram) record(d time.Duration) {
	v := max(int64(d), 0)
	shift, mant := bucketOf(v)
	h.counts[shift][mant]++
	h.n++
	h.sum += float64(v)
	h.max = max(h.max, v)
}

// recordPaced records d, the wait of a call made by a caller that makes one
// call per interval, and then, for a wait longer than interval, the waits of
// the calls that would have been made during it and were held back (d -
// interval, d - 2*interval, ...). A caller blocked in one call makes no other
// calls, so without these a stall would count once per goroutine rather than
// once per request it delays: HdrHistogram's correction for coordinated
// omission (recordValueWithExpectedInterval).
func (h *histogram) recordPaced(d, interval time.Duration) {
	h.record(d)
	for d -= interval; d > 0; d -= interval {
		h.record(d)
	}
}

func (h *histogram) merge(o *histogram) {
	for s := range h.counts {
		for m := range h.counts[s] {
			h.counts[s][m] += o.counts[s][m]
		}
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns an upper bound of the q-quantile (0 < q <= 1): the top of
// the bucket it falls in, and never more than the largest value recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for s := range h.counts {
		for m := range h.counts[s] {
			if seen += h.counts[s][m]; seen >= rank {
				top := int64(m+1)<<s - 1
				return time.Duration(min(top, h.max))
			}
		}
	}
	return time.Duration(h.max)
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}
