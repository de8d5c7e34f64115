import numpy as np, torch
import symgrad
from symgrad.matrix import Program
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(1,2,3,padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(2*4*4, 3)).double()
m = symgrad.from_torch(net, input_shape=(1,8,8))
print(m.network)
p = Program(m, "cross_entropy")
rng=np.random.default_rng(0)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(3):
    x = rng.normal(size=(6,1,8,8)); y = rng.integers(0,3,6)
    loss = p(x,y)
    for a,g in zip(p.parameters,p.gradients): a -= 0.1*g
    opt.zero_grad(); tl = torch.nn.functional.cross_entropy(net(torch.tensor(x)), torch.tensor(y)); tl.backward(); opt.step()
    print(loss - tl.item(), max(np.abs(a - t.detach().numpy()).max() for a,t in zip(p.parameters, net.parameters())))
back = symgrad.to_torch(m); print(back)
