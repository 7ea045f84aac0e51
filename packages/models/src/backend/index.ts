// Engine team: backend selection and training kernels. See docs/contracts.md.
export {};
