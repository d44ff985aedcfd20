import json,os,sys
run=sys.argv[1]
tot=ack=lost=0; lat=[]; regfail={}
for i in (1,2,3):
    d=json.load(open(os.environ.get('OUTDIR','/var/tmp/thiluat-bench')+f'/burst-{run}.{i}.json'))
    m=d['measured']; tot+=m['sent']; ack+=m['acknowledged']; lost+=(d.get('db') or {}).get('lost',0)
    lat.append(m['latency']['p99_ms']); 
    for k,v in d['setup']['register_failed'].items(): regfail[k]=regfail.get(k,0)+v
    if i==1: rss=d.get('rss')
# exact p99 over merged samples
import os
samples=[]
for i in (1,2,3):
    f=os.path.join(os.environ.get('OUTDIR','/var/tmp/thiluat-bench'), f'burst-{run}.{i}.lat')
    if os.path.exists(f):
        samples+= [float(x) for x in open(f).read().split()]
samples.sort()
p=lambda q: samples[min(len(samples)-1,int(q*len(samples)))] if samples else None
print(f"run {run}: sent {tot} acknowledged {ack} lost {lost} register_failed {regfail} p50 {p(0.5)} p95 {p(0.95)} p99 {p(0.99)} max {samples[-1] if samples else None} shard-p99s {lat}")
# CPU-seconds per party over the sampled window (burst-RUN.cpu, written by cpu.py)
cpu=os.path.join(os.environ.get('OUTDIR','/var/tmp/thiluat-bench'), f'burst-{run}.cpu')
if os.path.exists(cpu):
    rows=[l.split() for l in open(cpu) if l.strip()]
    f=lambda row,k: float(row[row.index(k)+1])
    print('cpu-s over the window:', ' '.join(f"{k} {f(rows[-1],k)-f(rows[0],k):.2f}" for k in ['machine-busy','server','redis','postgres','loadtest']))
