import { mount } from 'svelte'
import App from './App.svelte'
import { createTransport } from './lib/client'
import './styles.css'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element to mount the app into')

mount(App, { target, props: { transport: createTransport() } })
