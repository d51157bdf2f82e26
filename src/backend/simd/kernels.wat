;; SIMD loops over float32 arrays in the wasm backend's own memory (imported as env.memory). Pointers are byte
;; offsets into that memory; `n4` counts groups of 4 floats (the caller handles the remainder). Compiled by
;; scripts/build_simd.mjs into kernels_wasm.ts.
(module
  (memory (import "env" "memory") 1)

  ;; Adam with decoupled decay, per lane:
  ;;   m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2;  w' = decay w - step m' / (sqrt(v' inv2) + eps)
  ;; where step = learningRate / (1 - b1^t) and inv2 = 1 / (1 - b2^t).
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wo i32) (param $mo i32) (param $vo i32) (param $n4 i32)
    (param $b1 f32) (param $b2 f32) (param $eps f32) (param $step f32) (param $inv2 f32) (param $decay f32)
    (local $i i32) (local $off i32)
    (local $B1 v128) (local $A1 v128) (local $B2 v128) (local $A2 v128)
    (local $EPS v128) (local $STEP v128) (local $INV2 v128) (local $DECAY v128)
    (local $gi v128) (local $mi v128) (local $vi v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $A1 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $A2 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $STEP (f32x4.splat (local.get $step)))
    (local.set $INV2 (f32x4.splat (local.get $inv2)))
    (local.set $DECAY (f32x4.splat (local.get $decay)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 4)))
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $off))))
        (local.set $mi (f32x4.add
          (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $off))))
          (f32x4.mul (local.get $A1) (local.get $gi))))
        (local.set $vi (f32x4.add
          (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $off))))
          (f32x4.mul (local.get $A2) (f32x4.mul (local.get $gi) (local.get $gi)))))
        (v128.store (i32.add (local.get $mo) (local.get $off)) (local.get $mi))
        (v128.store (i32.add (local.get $vo) (local.get $off)) (local.get $vi))
        (v128.store (i32.add (local.get $wo) (local.get $off))
          (f32x4.sub
            (f32x4.mul (local.get $DECAY) (v128.load (i32.add (local.get $w) (local.get $off))))
            (f32x4.div
              (f32x4.mul (local.get $STEP) (local.get $mi))
              (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vi) (local.get $INV2))) (local.get $EPS)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
  )

  ;; A moving average of n4 groups of 4 floats: out = d avg + e x, per lane (two products and a sum, rounded as
  ;; float32 tfjs ops round them).
  (func (export "moving_average") (param $avg i32) (param $x i32) (param $out i32) (param $n4 i32) (param $d f32) (param $e f32)
    (local $i i32) (local $off i32) (local $D v128) (local $E v128)
    (local.set $D (f32x4.splat (local.get $d)))
    (local.set $E (f32x4.splat (local.get $e)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 4)))
        (v128.store (i32.add (local.get $out) (local.get $off))
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $avg) (local.get $off))) (local.get $D))
            (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $off))) (local.get $E))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
  )

  ;; The sum of squares of n4 groups of 4 floats, accumulated in float64.
  (func (export "sum_squares") (param $x i32) (param $n4 i32) (result f64)
    (local $i i32) (local $xi v128) (local $acc v128) (local $lo v128) (local $hi v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $xi (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 4)))))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $xi)))
        (local.set $hi (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xi) (local.get $xi))))
        (local.set $acc (f64x2.add (local.get $acc)
          (f64x2.add (f64x2.mul (local.get $lo) (local.get $lo)) (f64x2.mul (local.get $hi) (local.get $hi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
  )

  ;; Column sums of a row-major [rows, 4 c4] matrix into out[4 c4] (float32 accumulation, row by row).
  (func (export "sum_rows") (param $x i32) (param $rows i32) (param $c4 i32) (param $out i32)
    (local $r i32) (local $j i32) (local $p i32) (local $o i32) (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $c4) (i32.const 4))))
    (local.set $o (local.get $out))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $o) (local.get $end)))
        (v128.store (local.get $o) (v128.const i32x4 0 0 0 0))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $zero)))
    (local.set $p (local.get $x))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (local.get $out))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_u (local.get $o) (local.get $end)))
            (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (v128.load (local.get $p))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
  )

  ;; Batched products in dot form: out[i, m, n] = sum_k A[i, m, k] B[i, n, k] (B given transposed, K = 4 k4).
  ;; Strides are in bytes per batch item (0 broadcasts an operand).
  (func (export "bmm_dot")
    (param $a i32) (param $b i32) (param $out i32) (param $batch i32) (param $M i32) (param $N i32) (param $k4 i32)
    (param $sa i32) (param $sb i32) (param $so i32)
    (local $i i32) (local $m i32) (local $n i32) (local $k i32)
    (local $ai i32) (local $bi i32) (local $oi i32) (local $arow i32) (local $brow i32) (local $rowBytes i32)
    (local $acc v128)
    (local.set $rowBytes (i32.shl (local.get $k4) (i32.const 4)))
    (block $batchDone (loop $batchLoop
      (br_if $batchDone (i32.ge_u (local.get $i) (local.get $batch)))
      (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa))))
      (local.set $bi (i32.add (local.get $b) (i32.mul (local.get $i) (local.get $sb))))
      (local.set $oi (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $so))))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $arow (i32.add (local.get $ai) (i32.mul (local.get $m) (local.get $rowBytes))))
        (local.set $n (i32.const 0))
        (block $nDone (loop $nLoop
          (br_if $nDone (i32.ge_u (local.get $n) (local.get $N)))
          (local.set $brow (i32.add (local.get $bi) (i32.mul (local.get $n) (local.get $rowBytes))))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $k (i32.const 0))
          (block $kDone (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
              (v128.load (i32.add (local.get $arow) (local.get $k)))
              (v128.load (i32.add (local.get $brow) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $kLoop)))
          (f32.store (local.get $oi) (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
          (local.set $oi (i32.add (local.get $oi) (i32.const 4)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $nLoop)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $batchLoop)))
  )

  ;; Batched products in axpy form: out[i, m, :] = sum_k A[i, m, k] B[i, k, :] (N = 4 n4). A's element (m, k) lies
  ;; at m * amStride + k * akStride bytes from its item (so A may be transposed); strides as in bmm_dot.
  (func (export "bmm_axpy")
    (param $a i32) (param $b i32) (param $out i32) (param $batch i32) (param $M i32) (param $n4 i32) (param $K i32)
    (param $amStride i32) (param $akStride i32) (param $sa i32) (param $sb i32) (param $so i32)
    (local $i i32) (local $m i32) (local $k i32) (local $j i32)
    (local $ai i32) (local $bi i32) (local $orow i32) (local $brow i32) (local $rowBytes i32)
    (local $s v128)
    (local.set $rowBytes (i32.shl (local.get $n4) (i32.const 4)))
    (block $batchDone (loop $batchLoop
      (br_if $batchDone (i32.ge_u (local.get $i) (local.get $batch)))
      (local.set $ai (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa))))
      (local.set $bi (i32.add (local.get $b) (i32.mul (local.get $i) (local.get $sb))))
      (local.set $orow (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $so))))
      (local.set $m (i32.const 0))
      (block $mDone (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $j (i32.const 0))
        (block $zeroed (loop $zero
          (br_if $zeroed (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (v128.store (i32.add (local.get $orow) (local.get $j)) (v128.const i32x4 0 0 0 0))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $zero)))
        (local.set $k (i32.const 0))
        (block $kDone (loop $kLoop
          (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $s (f32x4.splat (f32.load (i32.add (local.get $ai)
            (i32.add (i32.mul (local.get $m) (local.get $amStride)) (i32.mul (local.get $k) (local.get $akStride)))))))
          (local.set $brow (i32.add (local.get $bi) (i32.mul (local.get $k) (local.get $rowBytes))))
          (local.set $j (i32.const 0))
          (block $jDone (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $orow) (local.get $j)) (f32x4.add
              (v128.load (i32.add (local.get $orow) (local.get $j)))
              (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $brow) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $jLoop)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kLoop)))
        (local.set $orow (i32.add (local.get $orow) (local.get $rowBytes)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $batchLoop)))
  )

  ;; Horizontal sum of a f32x4.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Layer normalisation of `rows` rows of D = 4 c4 floats: xhat = (x - mean) rstd with rstd = 1 / sqrt(var + eps)
  ;; (two passes per row: mean, then the centred variance), y = xhat scale + bias. Writes y, xhat and rstd (one
  ;; float per row).
  (func (export "layer_norm")
    (param $x i32) (param $scale i32) (param $bias i32) (param $y i32) (param $xhat i32) (param $rstd i32)
    (param $rows i32) (param $c4 i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $rowBytes i32) (local $off i32) (local $acc v128) (local $mean v128)
    (local $d v128) (local $rs v128) (local $n f32) (local $h v128)
    (local.set $rowBytes (i32.shl (local.get $c4) (i32.const 4)))
    (local.set $n (f32.convert_i32_u (i32.shl (local.get $c4) (i32.const 2))))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $s1 (loop $l1
        (br_if $s1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (local.set $mean (f32x4.splat (f32.div (call $hsum (local.get $acc)) (local.get $n))))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $s2 (loop $l2
        (br_if $s2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (local.get $mean)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (local.set $rs (f32x4.splat (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div (call $hsum (local.get $acc)) (local.get $n)) (local.get $eps))))))
      (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))) (f32x4.extract_lane 0 (local.get $rs)))
      (local.set $j (i32.const 0))
      (block $s3 (loop $l3
        (br_if $s3 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $h (f32x4.mul (local.get $rs)
          (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (local.get $mean))))
        (v128.store (i32.add (local.get $xhat) (i32.add (local.get $off) (local.get $j))) (local.get $h))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $off) (local.get $j)))
          (f32x4.add (f32x4.mul (local.get $h) (v128.load (i32.add (local.get $scale) (local.get $j))))
            (v128.load (i32.add (local.get $bias) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l3)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )

  ;; The gradient of layer_norm: with g = dy scale, dx = (g - mean(g) - xhat mean(g xhat)) rstd per row, and the
  ;; column sums dScale = sum(dy xhat), dBias = sum(dy) (both overwritten).
  (func (export "layer_norm_grad")
    (param $dy i32) (param $xhat i32) (param $rstd i32) (param $scale i32) (param $dx i32) (param $dScale i32)
    (param $dBias i32) (param $rows i32) (param $c4 i32)
    (local $r i32) (local $j i32) (local $rowBytes i32) (local $off i32) (local $g v128) (local $h v128)
    (local $dyv v128) (local $sg v128) (local $sgx v128) (local $mg v128) (local $mgx v128) (local $rs v128)
    (local $inv f32)
    (local.set $rowBytes (i32.shl (local.get $c4) (i32.const 4)))
    (local.set $inv (f32.div (f32.const 1) (f32.convert_i32_u (i32.shl (local.get $c4) (i32.const 2)))))
    (local.set $j (i32.const 0))
    (block $z (loop $lz
      (br_if $z (i32.ge_u (local.get $j) (local.get $rowBytes)))
      (v128.store (i32.add (local.get $dScale) (local.get $j)) (v128.const i32x4 0 0 0 0))
      (v128.store (i32.add (local.get $dBias) (local.get $j)) (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $lz)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $sg (v128.const i32x4 0 0 0 0))
      (local.set $sgx (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $s1 (loop $l1
        (br_if $s1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $dyv (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j)))))
        (local.set $h (v128.load (i32.add (local.get $xhat) (i32.add (local.get $off) (local.get $j)))))
        (local.set $g (f32x4.mul (local.get $dyv) (v128.load (i32.add (local.get $scale) (local.get $j)))))
        (local.set $sg (f32x4.add (local.get $sg) (local.get $g)))
        (local.set $sgx (f32x4.add (local.get $sgx) (f32x4.mul (local.get $g) (local.get $h))))
        (v128.store (i32.add (local.get $dScale) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $dScale) (local.get $j))) (f32x4.mul (local.get $dyv) (local.get $h))))
        (v128.store (i32.add (local.get $dBias) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $dBias) (local.get $j))) (local.get $dyv)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (local.set $mg (f32x4.splat (f32.mul (call $hsum (local.get $sg)) (local.get $inv))))
      (local.set $mgx (f32x4.splat (f32.mul (call $hsum (local.get $sgx)) (local.get $inv))))
      (local.set $rs (f32x4.splat (f32.load (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))))))
      (local.set $j (i32.const 0))
      (block $s2 (loop $l2
        (br_if $s2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $g (f32x4.mul (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j))))
          (v128.load (i32.add (local.get $scale) (local.get $j)))))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $j)))
          (f32x4.mul (local.get $rs)
            (f32x4.sub (f32x4.sub (local.get $g) (local.get $mg))
              (f32x4.mul (v128.load (i32.add (local.get $xhat) (i32.add (local.get $off) (local.get $j)))) (local.get $mgx)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )
  ;; exp of 4 lanes, for arguments <= 0 (scores less their row maximum). Cephes' expf: n = round(x log2 e),
  ;; r = x - n ln 2 (ln 2 in two parts), exp(r) by a degree-7 polynomial, times 2^n built in the exponent bits.
  ;; Lanes below -87.33 (where 2^n would leave the normal range) give exactly 0, as expf underflows there.
  (func $exp4 (param $x v128) (result v128)
    (local $under v128) (local $n v128) (local $r v128) (local $p v128)
    (local.set $under (f32x4.lt (local.get $x) (f32x4.splat (f32.const -87.33))))
    (local.set $x (f32x4.max (local.get $x) (f32x4.splat (f32.const -87.33))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
      (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (f32x4.splat (f32.const 1))))
    (v128.andnot
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23)))
      (local.get $under)))

  ;; Softmax of `rows` rows of `n` floats (any n >= 1): y = exp(x - max) / sum, writing each row's max and sum
  ;; (of exp(x - max)) to `maxOut` and `sumOut` (one float per row) for the caller's log-normaliser.
  (func (export "softmax_rows")
    (param $x i32) (param $y i32) (param $maxOut i32) (param $sumOut i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $j i32) (local $rowBytes i32) (local $vecBytes i32) (local $off i32) (local $a i32)
    (local $mv v128) (local $m f32) (local $acc v128) (local $s f32) (local $e f32) (local $inv v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $rowBytes)))
      ;; max
      (local.set $mv (f32x4.splat (f32.const -inf)))
      (local.set $j (i32.const 0))
      (block $s1 (loop $l1
        (br_if $s1 (i32.ge_u (local.get $j) (local.get $vecBytes)))
        (local.set $mv (f32x4.max (local.get $mv) (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (local.set $m (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
        (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
      (block $t1 (loop $lt1
        (br_if $t1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $lt1)))
      (local.set $mv (f32x4.splat (local.get $m)))
      ;; exp and sum
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $s2 (loop $l2
        (br_if $s2 (i32.ge_u (local.get $j) (local.get $vecBytes)))
        (local.set $a (i32.add (local.get $off) (local.get $j)))
        (local.set $inv (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $a))) (local.get $mv))))
        (v128.store (i32.add (local.get $y) (local.get $a)) (local.get $inv))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $inv)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (local.set $s (call $hsum (local.get $acc)))
      (block $t2 (loop $lt2
        (br_if $t2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $a (i32.add (local.get $off) (local.get $j)))
        (local.set $e (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.sub (f32.load (i32.add (local.get $x) (local.get $a))) (local.get $m))))))
        (f32.store (i32.add (local.get $y) (local.get $a)) (local.get $e))
        (local.set $s (f32.add (local.get $s) (local.get $e)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $lt2)))
      ;; normalise
      (local.set $inv (f32x4.splat (f32.div (f32.const 1) (local.get $s))))
      (local.set $j (i32.const 0))
      (block $s3 (loop $l3
        (br_if $s3 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $a (i32.add (local.get $y) (i32.add (local.get $off) (local.get $j))))
        (if (i32.le_u (i32.add (local.get $j) (i32.const 16)) (local.get $rowBytes))
          (then
            (v128.store (local.get $a) (f32x4.mul (v128.load (local.get $a)) (local.get $inv)))
            (local.set $j (i32.add (local.get $j) (i32.const 16))))
          (else
            (f32.store (local.get $a) (f32.mul (f32.load (local.get $a)) (f32x4.extract_lane 0 (local.get $inv))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
        (br $l3)))
      (f32.store (i32.add (local.get $maxOut) (i32.shl (local.get $r) (i32.const 2))) (local.get $m))
      (f32.store (i32.add (local.get $sumOut) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )

  ;; The gradient of softmax_rows: dx = p (dp - sum(dp p) + dLse) per row of n floats, where dLse (one float per
  ;; row) is the gradient reaching the row's log-normaliser (`$dLse` = 0: none).
  (func (export "softmax_grad")
    (param $dp i32) (param $p i32) (param $dLse i32) (param $dx i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $j i32) (local $rowBytes i32) (local $vecBytes i32) (local $off i32) (local $a i32)
    (local $acc v128) (local $c f32) (local $cv v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $s1 (loop $l1
        (br_if $s1 (i32.ge_u (local.get $j) (local.get $vecBytes)))
        (local.set $a (i32.add (local.get $off) (local.get $j)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (i32.add (local.get $dp) (local.get $a))) (v128.load (i32.add (local.get $p) (local.get $a))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (local.set $c (f32.neg (call $hsum (local.get $acc))))
      (block $t1 (loop $lt1
        (br_if $t1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $a (i32.add (local.get $off) (local.get $j)))
        (local.set $c (f32.sub (local.get $c)
          (f32.mul (f32.load (i32.add (local.get $dp) (local.get $a))) (f32.load (i32.add (local.get $p) (local.get $a))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $lt1)))
      (if (local.get $dLse)
        (then (local.set $c (f32.add (local.get $c) (f32.load (i32.add (local.get $dLse) (i32.shl (local.get $r) (i32.const 2))))))))
      (local.set $cv (f32x4.splat (local.get $c)))
      (local.set $j (i32.const 0))
      (block $s2 (loop $l2
        (br_if $s2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $a (i32.add (local.get $off) (local.get $j)))
        (if (i32.le_u (i32.add (local.get $j) (i32.const 16)) (local.get $rowBytes))
          (then
            (v128.store (i32.add (local.get $dx) (local.get $a))
              (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $a)))
                (f32x4.add (v128.load (i32.add (local.get $dp) (local.get $a))) (local.get $cv))))
            (local.set $j (i32.add (local.get $j) (i32.const 16))))
          (else
            (f32.store (i32.add (local.get $dx) (local.get $a))
              (f32.mul (f32.load (i32.add (local.get $p) (local.get $a)))
                (f32.add (f32.load (i32.add (local.get $dp) (local.get $a))) (local.get $c))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
        (br $l2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )
  ;; sigmoid of 4 lanes: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e) below (no cancellation on
  ;; either side; exp4's argument is never positive).
  (func $sigmoid4 (param $x v128) (result v128)
    (local $e v128) (local $s v128)
    (local.set $e (call $exp4 (f32x4.neg (f32x4.abs (local.get $x)))))
    (local.set $s (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
    (v128.bitselect (local.get $s) (f32x4.mul (local.get $e) (local.get $s))
      (f32x4.ge (local.get $x) (v128.const i32x4 0 0 0 0))))

  ;; tanh of 4 lanes, as Cephes' tanhf: below |x| = 0.625 the odd polynomial x + x^3 P(x^2), above it
  ;; (1 - e) / (1 + e) with e = exp(-2|x|) and the sign of x (exactly +-1 once e underflows).
  (func $tanh4 (param $x v128) (result v128)
    (local $ax v128) (local $z v128) (local $p v128) (local $e v128) (local $big v128)
    (local.set $ax (f32x4.abs (local.get $x)))
    (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (f32x4.splat (f32.const -5.70498872745e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const 2.06390887954e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const -5.37397155531e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const 1.33314422036e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (f32x4.splat (f32.const -3.33332819422e-1))))
    (local.set $p (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $z)) (local.get $x)) (local.get $x)))
    (local.set $e (call $exp4 (f32x4.mul (local.get $ax) (f32x4.splat (f32.const -2)))))
    (local.set $big (f32x4.div (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $e)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
    ;; the sign of x on the (non-negative) large-argument value
    (local.set $big (v128.or (local.get $big) (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (v128.bitselect (local.get $p) (local.get $big) (f32x4.lt (local.get $ax) (f32x4.splat (f32.const 0.625)))))

  ;; One step of an LSTM over `rows` rows of n = 4 n4 units. Row r's pre-activations [i | j | f | o] (4n floats) are
  ;; xw + r xwStride (plus zh + r zhStride when $hasPrev), its previous memory cPrev + r cStride (none, i.e. 0,
  ;; without $hasPrev). Writes the activated gates [σ(i) | tanh(j) | σ(f) | σ(o)] to acts (rows as xw's), the memory
  ;; c = σ(f) cPrev + σ(i) tanh(j) and the output h = tanh(c) σ(o) (rows as cPrev's). Strides are in bytes.
  (func (export "lstm_cell")
    (param $xw i32) (param $zh i32) (param $cPrev i32) (param $acts i32) (param $c i32) (param $h i32)
    (param $rows i32) (param $n4 i32) (param $xwStride i32) (param $zhStride i32) (param $cStride i32) (param $hasPrev i32)
    (local $r i32) (local $g i32) (local $gate i32) (local $xo i32) (local $zo i32) (local $ao i32) (local $co i32)
    (local $i v128) (local $j v128) (local $f v128) (local $o v128) (local $cv v128)
    (local.set $gate (i32.shl (local.get $n4) (i32.const 4)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $g (i32.const 0))
      (block $gdone (loop $group
        (br_if $gdone (i32.ge_u (local.get $g) (local.get $gate)))
        (local.set $xo (i32.add (i32.add (local.get $xw) (i32.mul (local.get $r) (local.get $xwStride))) (local.get $g)))
        (local.set $ao (i32.add (i32.add (local.get $acts) (i32.mul (local.get $r) (local.get $xwStride))) (local.get $g)))
        (local.set $co (i32.add (i32.mul (local.get $r) (local.get $cStride)) (local.get $g)))
        (local.set $i (v128.load (local.get $xo)))
        (local.set $j (v128.load (i32.add (local.get $xo) (local.get $gate))))
        (local.set $f (v128.load (i32.add (local.get $xo) (i32.shl (local.get $gate) (i32.const 1)))))
        (local.set $o (v128.load (i32.add (local.get $xo) (i32.mul (local.get $gate) (i32.const 3)))))
        (if (local.get $hasPrev) (then
          (local.set $zo (i32.add (i32.add (local.get $zh) (i32.mul (local.get $r) (local.get $zhStride))) (local.get $g)))
          (local.set $i (f32x4.add (local.get $i) (v128.load (local.get $zo))))
          (local.set $j (f32x4.add (local.get $j) (v128.load (i32.add (local.get $zo) (local.get $gate)))))
          (local.set $f (f32x4.add (local.get $f) (v128.load (i32.add (local.get $zo) (i32.shl (local.get $gate) (i32.const 1))))))
          (local.set $o (f32x4.add (local.get $o) (v128.load (i32.add (local.get $zo) (i32.mul (local.get $gate) (i32.const 3))))))))
        (local.set $i (call $sigmoid4 (local.get $i)))
        (local.set $j (call $tanh4 (local.get $j)))
        (local.set $f (call $sigmoid4 (local.get $f)))
        (local.set $o (call $sigmoid4 (local.get $o)))
        (local.set $cv (f32x4.mul (local.get $i) (local.get $j)))
        (if (local.get $hasPrev) (then
          (local.set $cv (f32x4.add (f32x4.mul (local.get $f) (v128.load (i32.add (local.get $cPrev) (local.get $co)))) (local.get $cv)))))
        (v128.store (local.get $ao) (local.get $i))
        (v128.store (i32.add (local.get $ao) (local.get $gate)) (local.get $j))
        (v128.store (i32.add (local.get $ao) (i32.shl (local.get $gate) (i32.const 1))) (local.get $f))
        (v128.store (i32.add (local.get $ao) (i32.mul (local.get $gate) (i32.const 3))) (local.get $o))
        (v128.store (i32.add (local.get $c) (local.get $co)) (local.get $cv))
        (v128.store (i32.add (local.get $h) (local.get $co)) (f32x4.mul (call $tanh4 (local.get $cv)) (local.get $o)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $group)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )

  ;; The gradient of lstm_cell at one step, walking back in time. Row r's gradient reaching h is dh + r cStride
  ;; (plus dhRec + r recStride when $hasNext: what the next step's pre-activations send back through h), and
  ;; dcCarry + r recStride holds (when $hasNext) the gradient reaching c from the next step's memory. Writes the
  ;; gradient of the pre-activations [i | j | f | o] to dz (rows as acts') and replaces dcCarry by the gradient this
  ;; step's memory sends to the previous one (dc σ(f)). acts and c are lstm_cell's outputs, cPrev the previous
  ;; step's memory (unused without $hasPrev, where the forget gate's gradient is 0).
  (func (export "lstm_cell_grad")
    (param $dh i32) (param $dhRec i32) (param $acts i32) (param $c i32) (param $cPrev i32) (param $dcCarry i32) (param $dz i32)
    (param $rows i32) (param $n4 i32) (param $actsStride i32) (param $cStride i32) (param $recStride i32)
    (param $hasPrev i32) (param $hasNext i32)
    (local $r i32) (local $g i32) (local $gate i32) (local $ao i32) (local $co i32) (local $ro i32)
    (local $i v128) (local $j v128) (local $f v128) (local $o v128) (local $tc v128) (local $dhv v128) (local $dc v128)
    (local $one v128)
    (local.set $gate (i32.shl (local.get $n4) (i32.const 4)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $g (i32.const 0))
      (block $gdone (loop $group
        (br_if $gdone (i32.ge_u (local.get $g) (local.get $gate)))
        (local.set $ao (i32.add (i32.mul (local.get $r) (local.get $actsStride)) (local.get $g)))
        (local.set $co (i32.add (i32.mul (local.get $r) (local.get $cStride)) (local.get $g)))
        (local.set $ro (i32.add (i32.mul (local.get $r) (local.get $recStride)) (local.get $g)))
        (local.set $i (v128.load (i32.add (local.get $acts) (local.get $ao))))
        (local.set $j (v128.load (i32.add (i32.add (local.get $acts) (local.get $ao)) (local.get $gate))))
        (local.set $f (v128.load (i32.add (i32.add (local.get $acts) (local.get $ao)) (i32.shl (local.get $gate) (i32.const 1)))))
        (local.set $o (v128.load (i32.add (i32.add (local.get $acts) (local.get $ao)) (i32.mul (local.get $gate) (i32.const 3)))))
        (local.set $tc (call $tanh4 (v128.load (i32.add (local.get $c) (local.get $co)))))
        (local.set $dhv (v128.load (i32.add (local.get $dh) (local.get $co))))
        (if (local.get $hasNext) (then
          (local.set $dhv (f32x4.add (local.get $dhv) (v128.load (i32.add (local.get $dhRec) (local.get $ro)))))))
        ;; dc = dh o (1 - tanh(c)^2) (+ the carry)
        (local.set $dc (f32x4.mul (f32x4.mul (local.get $dhv) (local.get $o))
          (f32x4.sub (local.get $one) (f32x4.mul (local.get $tc) (local.get $tc)))))
        (if (local.get $hasNext) (then
          (local.set $dc (f32x4.add (local.get $dc) (v128.load (i32.add (local.get $dcCarry) (local.get $ro)))))))
        (local.set $ao (i32.add (local.get $dz) (local.get $ao)))
        ;; di = dc tanh(j) σ(i)(1 - σ(i)), dj = dc σ(i) (1 - tanh(j)^2)
        (v128.store (local.get $ao)
          (f32x4.mul (f32x4.mul (local.get $dc) (local.get $j)) (f32x4.mul (local.get $i) (f32x4.sub (local.get $one) (local.get $i)))))
        (v128.store (i32.add (local.get $ao) (local.get $gate))
          (f32x4.mul (f32x4.mul (local.get $dc) (local.get $i)) (f32x4.sub (local.get $one) (f32x4.mul (local.get $j) (local.get $j)))))
        ;; df = dc cPrev σ(f)(1 - σ(f))
        (v128.store (i32.add (local.get $ao) (i32.shl (local.get $gate) (i32.const 1)))
          (if (result v128) (local.get $hasPrev)
            (then (f32x4.mul (f32x4.mul (local.get $dc) (v128.load (i32.add (local.get $cPrev) (local.get $co))))
              (f32x4.mul (local.get $f) (f32x4.sub (local.get $one) (local.get $f)))))
            (else (v128.const i32x4 0 0 0 0))))
        ;; do = dh tanh(c) σ(o)(1 - σ(o))
        (v128.store (i32.add (local.get $ao) (i32.mul (local.get $gate) (i32.const 3)))
          (f32x4.mul (f32x4.mul (local.get $dhv) (local.get $tc)) (f32x4.mul (local.get $o) (f32x4.sub (local.get $one) (local.get $o)))))
        (v128.store (i32.add (local.get $dcCarry) (local.get $ro)) (f32x4.mul (local.get $dc) (local.get $f)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br $group)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )

  ;; Packs rows m0 .. m0 + 3 of A (element (m, k) at a + 4 (m sam + k sak)) as [K][4] at dst, rows past M as 0:
  ;; four contiguous values when sam = 1, a 4 x 4 transpose of rows when sak = 1, single values otherwise.
  (func $pack_a (param $a i32) (param $m0 i32) (param $M i32) (param $K i32) (param $sam i32) (param $sak i32) (param $dst i32)
    (local $k i32) (local $j i32) (local $src i32) (local $step i32) (local $r0 v128) (local $r1 v128) (local $r2 v128)
    (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $rowBytes i32)
    (if (i32.le_u (i32.add (local.get $m0) (i32.const 4)) (local.get $M))
      (then
        (if (i32.eq (local.get $sam) (i32.const 1))
          (then
            (local.set $src (i32.add (local.get $a) (i32.shl (local.get $m0) (i32.const 2))))
            (local.set $step (i32.shl (local.get $sak) (i32.const 2)))
            (block $d (loop $l
              (br_if $d (i32.ge_u (local.get $k) (local.get $K)))
              (v128.store (local.get $dst) (v128.load (local.get $src)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $src (i32.add (local.get $src) (local.get $step)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $l)))
            (return)))
        (if (i32.eq (local.get $sak) (i32.const 1))
          (then
            (local.set $rowBytes (i32.shl (local.get $sam) (i32.const 2)))
            (local.set $src (i32.add (local.get $a) (i32.mul (local.get $m0) (local.get $rowBytes))))
            (block $d (loop $l
              (br_if $d (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
              (local.set $r0 (v128.load (local.get $src)))
              (local.set $r1 (v128.load (i32.add (local.get $src) (local.get $rowBytes))))
              (local.set $r2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $rowBytes) (i32.const 1)))))
              (local.set $r3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $rowBytes) (i32.const 3)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
              (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
              (local.set $src (i32.add (local.get $src) (i32.const 16)))
              (local.set $k (i32.add (local.get $k) (i32.const 4)))
              (br $l)))))))
    ;; Single values: the columns left over, a last partial panel, or other strides.
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $j (i32.const 0))
      (block $dj (loop $lj
        (br_if $dj (i32.ge_u (local.get $j) (i32.const 4)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (if (result f32) (i32.lt_u (i32.add (local.get $m0) (local.get $j)) (local.get $M))
            (then (f32.load (i32.add (local.get $a) (i32.shl (i32.add
              (i32.mul (i32.add (local.get $m0) (local.get $j)) (local.get $sam))
              (i32.mul (local.get $k) (local.get $sak))) (i32.const 2)))))
            (else (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l)))
  )

  ;; Packs columns n0 .. n0 + 7 of B (element (k, n) at b + 4 (k sbk + n sbn)) as [K][8] at dst, columns past N as 0.
  (func $pack_b (param $b i32) (param $n0 i32) (param $N i32) (param $K i32) (param $sbk i32) (param $sbn i32) (param $dst i32)
    (local $k i32) (local $j i32) (local $src i32) (local $step i32)
    (if (i32.and (i32.eq (local.get $sbn) (i32.const 1)) (i32.le_u (i32.add (local.get $n0) (i32.const 8)) (local.get $N)))
      (then
        (local.set $src (i32.add (local.get $b) (i32.shl (local.get $n0) (i32.const 2))))
        (local.set $step (i32.shl (local.get $sbk) (i32.const 2)))
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $k) (local.get $K)))
          (v128.store (local.get $dst) (v128.load (local.get $src)))
          (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (local.set $src (i32.add (local.get $src) (local.get $step)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l)))
        (return)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $k) (local.get $K)))
      (local.set $j (i32.const 0))
      (block $dj (loop $lj
        (br_if $dj (i32.ge_u (local.get $j) (i32.const 8)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (if (result f32) (i32.lt_u (i32.add (local.get $n0) (local.get $j)) (local.get $N))
            (then (f32.load (i32.add (local.get $b) (i32.shl (i32.add
              (i32.mul (local.get $k) (local.get $sbk))
              (i32.mul (i32.add (local.get $n0) (local.get $j)) (local.get $sbn))) (i32.const 2)))))
            (else (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $l)))
  )

  ;; Stores the first `count` of the 8 lanes of [v0 | v1] at p (all 8 when count >= 8).
  (func $store8 (param $p i32) (param $v0 v128) (param $v1 v128) (param $count i32)
    (if (i32.ge_u (local.get $count) (i32.const 8)) (then
      (v128.store (local.get $p) (local.get $v0))
      (v128.store offset=16 (local.get $p) (local.get $v1))
      (return)))
    (if (i32.ge_u (local.get $count) (i32.const 4))
      (then (v128.store (local.get $p) (local.get $v0)) (local.set $v0 (local.get $v1))
        (local.set $p (i32.add (local.get $p) (i32.const 16))) (local.set $count (i32.sub (local.get $count) (i32.const 4)))))
    (if (i32.ge_u (local.get $count) (i32.const 1)) (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v0)))))
    (if (i32.ge_u (local.get $count) (i32.const 2)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v0)))))
    (if (i32.ge_u (local.get $count) (i32.const 3)) (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v0))))))

  ;; C [M, N] (row-major) = A·B with A's element (m, k) at a + 4 (m sam + k sak) and B's element
  ;; (k, n) at b + 4 (k sbk + n sbn): any of the products A·B, Aᵀ·B, A·Bᵀ of row-major operands. The operands are
  ;; packed into `scratch` (8 ceil(N / 8) K + 4 K floats) so that the inner loop reads two sequential streams: all
  ;; of B first, in strips of 8 columns as [N/8][K][8] (a last partial strip padded with zeros, its outputs stored
  ;; lane by lane), then A one panel of 4 rows at a time as [K][4] (row strides of 512 or
  ;; 2048 bytes would alias in L1). Each panel of A meets every strip of B while its 4 rows of C are written in
  ;; full. Register tiles of 4 x 8 outputs (eight f32x4 accumulators): each step of k broadcasts 4 values of A and
  ;; loads 8 of B. Every output is the sum over k in increasing order, as XNNPACK's kernels add.
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (param $sam i32) (param $sak i32) (param $sbk i32) (param $sbn i32) (param $scratch i32)
    (local $m i32) (local $n i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $end i32)
    (local $rowC i32) (local $panelBytes i32) (local $ap i32) (local $cols i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $rowC (i32.shl (local.get $N) (i32.const 2)))
    (local.set $panelBytes (i32.shl (local.get $K) (i32.const 4)))
    (local.set $pb (local.get $scratch))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $n) (local.get $N)))
      (call $pack_b (local.get $b) (local.get $n) (local.get $N) (local.get $K) (local.get $sbk) (local.get $sbn) (local.get $pb))
      (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $panelBytes) (i32.const 1))))
      (local.set $n (i32.add (local.get $n) (i32.const 8)))
      (br $bloop)))
    (local.set $ap (local.get $pb))
    (block $mdone (loop $mloop
      (br_if $mdone (i32.ge_u (local.get $m) (local.get $M)))
      (call $pack_a (local.get $a) (local.get $m) (local.get $M) (local.get $K) (local.get $sam) (local.get $sak) (local.get $ap))
      (local.set $n (i32.const 0))
      (local.set $pb (local.get $scratch))
      (block $ndone (loop $nloop
        (br_if $ndone (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        (local.set $pa (local.get $ap))
        (local.set $end (i32.add (local.get $ap) (local.get $panelBytes)))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.ge_u (local.get $pa) (local.get $end)))
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $x (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
          (br $kloop)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $n)) (i32.const 2))))
        (local.set $cols (i32.sub (local.get $N) (local.get $n)))
        ;; A whole 4 x 8 tile (the common case) is stored inline; edges lane by lane.
        (if (i32.and (i32.ge_u (local.get $cols) (i32.const 8)) (i32.le_u (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
          (then
            (v128.store (local.get $pc) (local.get $c00))
            (v128.store offset=16 (local.get $pc) (local.get $c01))
            (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
            (v128.store (local.get $pc) (local.get $c10))
            (v128.store offset=16 (local.get $pc) (local.get $c11))
            (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
            (v128.store (local.get $pc) (local.get $c20))
            (v128.store offset=16 (local.get $pc) (local.get $c21))
            (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
            (v128.store (local.get $pc) (local.get $c30))
            (v128.store offset=16 (local.get $pc) (local.get $c31))
            (local.set $n (i32.add (local.get $n) (i32.const 8)))
            (br $nloop)))
        (call $store8 (local.get $pc) (local.get $c00) (local.get $c01) (local.get $cols))
        (if (i32.lt_u (i32.add (local.get $m) (i32.const 1)) (local.get $M)) (then
          (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
          (call $store8 (local.get $pc) (local.get $c10) (local.get $c11) (local.get $cols))))
        (if (i32.lt_u (i32.add (local.get $m) (i32.const 2)) (local.get $M)) (then
          (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
          (call $store8 (local.get $pc) (local.get $c20) (local.get $c21) (local.get $cols))))
        (if (i32.lt_u (i32.add (local.get $m) (i32.const 3)) (local.get $M)) (then
          (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))
          (call $store8 (local.get $pc) (local.get $c30) (local.get $c31) (local.get $cols))))
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (br $nloop)))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $mloop)))
  )
)
