#!/usr/bin/env python3
# The race bench/order-races/run.sh describes, <rounds> times against the tunnel on <port>: prints "fails F of N" (EXECs that did not return [somevalue]).
import socket, sys
port=int(sys.argv[1]); rounds=int(sys.argv[2])
def enc(*a):
    out=b'*%d\r\n'%len(a)
    for x in a:
        x=x if isinstance(x,bytes) else str(x).encode()
        out+=b'$%d\r\n%s\r\n'%(len(x),x)
    return out
class C:
    def __init__(s):
        s.s=socket.create_connection(('127.0.0.1',port)); s.s.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1); s.f=s.s.makefile('rb')
    def send(s,*a): s.s.sendall(enc(*a))
    def read(s):
        l=s.f.readline()
        t=l[:1]
        if t in b'+-:': return l[1:-2].decode()
        if t==b'$':
            n=int(l[1:]); 
            if n<0: return None
            d=s.f.read(n+2); return d[:-2].decode()
        if t==b'*':
            n=int(l[1:])
            if n<0: return None
            return [s.read() for _ in range(n)]
        raise Exception(l)
    def call(s,*a): s.send(*a); return s.read()
r=C(); fails=0
for i in range(rounds):
    b=C(); w=C()
    r.call('DEL','src{t}','dst{t}','somekey{t}'); r.call('SET','somekey{t}','somevalue')
    b.send('BRPOPLPUSH','src{t}','dst{t}','0')
    # wait until blocked (the tunnel's CLIENT LIST shows b=blocked? use nodes' INFO through tunnel)
    while True:
        info=r.call('INFO','clients')
        if 'blocked_clients:1' in info: break
    w.call('WATCH','dst{t}'); w.call('MULTI'); w.call('GET','somekey{t}')
    w.send('EXEC')
    r.call('LPUSH','src{t}','element')
    res=w.read()
    if res!=['somevalue']: fails+=1
    b.s.close(); w.s.close()
print("fails", fails, "of", rounds)
