// Typings of rsnet: node:net's own (from @types/node), since rsnet is a drop-in for
// it, plus what rsnet adds. Copied to dist/net.d.ts by the build.
import * as net from 'node:net';

declare namespace rsnet {
  export import Socket = net.Socket;
  export import Server = net.Server;
  export import Stream = net.Socket;
  export import BlockList = net.BlockList;
  export import SocketAddress = net.SocketAddress;
  export import AddressInfo = net.AddressInfo;
  export import SocketConstructorOpts = net.SocketConstructorOpts;
  export import SocketConnectOpts = net.SocketConnectOpts;
  export import TcpSocketConnectOpts = net.TcpSocketConnectOpts;
  export import IpcSocketConnectOpts = net.IpcSocketConnectOpts;
  export import NetConnectOpts = net.NetConnectOpts;
  export import TcpNetConnectOpts = net.TcpNetConnectOpts;
  export import IpcNetConnectOpts = net.IpcNetConnectOpts;
  export import ServerOpts = net.ServerOpts;
  export import ListenOptions = net.ListenOptions;
  export import LookupFunction = net.LookupFunction;
  export import SocketReadyState = net.SocketReadyState;
  export const createServer: typeof net.createServer;
  export const connect: typeof net.connect;
  export const createConnection: typeof net.createConnection;
  export const isIP: typeof net.isIP;
  export const isIPv4: typeof net.isIPv4;
  export const isIPv6: typeof net.isIPv6;
  export const getDefaultAutoSelectFamily: typeof net.getDefaultAutoSelectFamily;
  export const setDefaultAutoSelectFamily: typeof net.setDefaultAutoSelectFamily;
  export const getDefaultAutoSelectFamilyAttemptTimeout: typeof net.getDefaultAutoSelectFamilyAttemptTimeout;
  export const setDefaultAutoSelectFamilyAttemptTimeout: typeof net.setDefaultAutoSelectFamilyAttemptTimeout;
  /**
   * rsnet only: how many reactor I/O threads to run. Takes effect only before the
   * first socket or server is created; returns whether it did.
   */
  export function setIoThreads(n: number): boolean;
}

export = rsnet;
