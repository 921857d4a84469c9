;; Batch lookups in a key table (key-table.ts) with the table held in this module's memory.
;; Built into key-lookup-wasm-bytes.ts by key-lookup-wasm-build.ts; see key-lookup-wasm.ts for
;; the memory layout and key-lookup-work.ts for how threads share the work. Keys are 32 bytes;
;; every pointer is a byte offset into `mem`, a shared memory that every thread's instance imports.
;;
;; A large batch is regrouped by each key's first byte (count, then partition), so the lookups
;; of one group fall in one 1/256th of the table, which stays in the core's cache while the group
;; is looked up. Here a key costs two 16-byte copies and two 16-byte compares; in JavaScript it
;; costs sixteen 4-byte ones, each bounds-checked.
(module
  (import "env" "mem" (memory 1 65536 shared))

  ;; counts[g + 1] += 1 for the first byte g of each of the n keys at $in ($counts: 257 i32).
  (func (export "count") (param $in i32) (param $n i32) (param $counts i32)
    (local $k i32) (local $slot i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $slot
          (i32.add (local.get $counts)
            (i32.shl (i32.load8_u (i32.add (local.get $in) (i32.shl (local.get $k) (i32.const 5)))) (i32.const 2))))
        (i32.store offset=4 (local.get $slot) (i32.add (i32.load offset=4 (local.get $slot)) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Copies the n keys at $in to $out grouped by first byte, keeping their order within a group.
  ;; $fill holds each group's next free position (256 i32, advanced here); the batch position
  ;; ($first + k) of each placed key goes to $idx at the same position.
  (func (export "partition") (param $in i32) (param $n i32) (param $first i32) (param $fill i32) (param $out i32) (param $idx i32)
    (local $k i32) (local $src i32) (local $slot i32) (local $at i32) (local $dst i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $src (i32.add (local.get $in) (i32.shl (local.get $k) (i32.const 5))))
        (local.set $slot (i32.add (local.get $fill) (i32.shl (i32.load8_u (local.get $src)) (i32.const 2))))
        (local.set $at (i32.load (local.get $slot)))
        (i32.store (local.get $slot) (i32.add (local.get $at) (i32.const 1)))
        (local.set $dst (i32.add (local.get $out) (i32.shl (local.get $at) (i32.const 5))))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
        (i32.store (i32.add (local.get $idx) (i32.shl (local.get $at) (i32.const 2)))
          (i32.add (local.get $first) (local.get $k)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Looks up the n keys at $keys: key i's ordinal in the table, or -1, goes to out[idx[i]].
  ;; The table: $dir (2^bits + 1 i32: bucket b is keys dir[b] .. dir[b+1]-1), the keys at $table
  ;; in bucket order, their ordinals at $ord. A key's bucket is its first 24 bits (big-endian)
  ;; shifted right by $shift = 24 - bits.
  (func (export "lookup") (param $keys i32) (param $n i32) (param $idx i32) (param $out i32)
      (param $dir i32) (param $shift i32) (param $table i32) (param $ord i32)
    (local $i i32) (local $q i32) (local $w0 i32) (local $j i32) (local $last i32)
    (local $p i32) (local $found i32) (local $head i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $q (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 5))))
        (local.set $w0 (i32.load (local.get $q)))
        ;; Bytes 0, 1, 2 of the key as a big-endian number (loads are little-endian).
        (local.set $p
          (i32.add (local.get $dir)
            (i32.shl
              (i32.shr_u
                (i32.or
                  (i32.or
                    (i32.shl (i32.and (local.get $w0) (i32.const 0xff)) (i32.const 16))
                    (i32.and (local.get $w0) (i32.const 0xff00)))
                  (i32.and (i32.shr_u (local.get $w0) (i32.const 16)) (i32.const 0xff)))
                (local.get $shift))
              (i32.const 2))))
        (local.set $j (i32.load (local.get $p)))
        (local.set $last (i32.load offset=4 (local.get $p)))
        (local.set $head (i64.load (local.get $q)))
        (local.set $found (i32.const -1))
        (block $scanned
          (loop $scan
            (br_if $scanned (i32.ge_u (local.get $j) (local.get $last)))
            (local.set $p (i32.add (local.get $table) (i32.shl (local.get $j) (i32.const 5))))
            ;; The first 8 bytes rule out nearly every other key of the bucket; then all 32.
            (if (i64.eq (i64.load (local.get $p)) (local.get $head))
              (then
                (if (i32.eqz
                      (v128.any_true
                        (v128.or
                          (v128.xor (v128.load (local.get $p)) (v128.load (local.get $q)))
                          (v128.xor (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q))))))
                  (then
                    (local.set $found (i32.load (i32.add (local.get $ord) (i32.shl (local.get $j) (i32.const 2)))))
                    (br $scanned)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $scan)))
        (i32.store
          (i32.add (local.get $out)
            (i32.shl (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2)))
          (local.get $found))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
