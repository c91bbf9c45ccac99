# bench/results.png from bench/run.sh: circuit throughput (MiB/s, higher is better) and relay RSS
# (MiB, lower is better) per relay. Called as:
#   gnuplot -e "tp='A'; rss='B'; out='C.png'; tp_title='...'" chart.gp
# tp_title (optional) names the throughput panel, with the relay's CPU budget.
# Data rows: workload ours rust js ngtcp2, '?' where a target has no value.
set terminal pngcairo size 1100,460 font ",10" noenhanced
set output out
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set yrange [0:*]
if (!exists("tp_title")) tp_title = "Circuit throughput, MiB/s (higher is better)"
set multiplot layout 1,2 title "privstack-relay vs rust-libp2p 0.56 vs js-libp2p (127.0.0.1, relay pinned to CPU 0)"
set title tp_title
plot tp using 2:xtic(1) title "ours" lc rgb "#1f77b4", \
     '' using 3 title "rust" lc rgb "#d62728", \
     '' using 4 title "js" lc rgb "#2ca02c", \
     '' using 5 title "ngtcp2 raw 1 hop" lc rgb "#7f7f7f"
set title "Relay RSS, MiB (lower is better)"
set xtics rotate by -20
plot rss using 2:xtic(1) title "ours" lc rgb "#1f77b4", \
     '' using 3 title "rust" lc rgb "#d62728", \
     '' using 4 title "js" lc rgb "#2ca02c"
unset multiplot
